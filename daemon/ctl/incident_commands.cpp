#include "daemon/ctl/incident_commands.hpp"

#include <boost/json.hpp>
#include <cstdio>

#include "daemon/ctl/approval_commands.hpp"

namespace runbookd::ctl {

namespace json = boost::json;

namespace {

std::string Group(const json::object& o) {
  const auto* g = o.if_contains("group");
  if (g == nullptr || !g->is_object() || g->as_object().empty()) return "-";
  std::string out;
  for (const auto& [k, v] : g->as_object()) {
    out += (out.empty() ? "" : ",") + std::string(k) + "=" + (v.is_string() ? std::string(v.as_string()) : "?");
  }
  return out;
}

int Fail(const ApiAnswer& a) {
  std::fprintf(stderr, "runbookctl: %s\n", a.error.c_str());
  return 1;
}

}  // namespace

int ListIncidents(const ApiClient& api, bool all, bool as_json) {
  auto a = api.Get(all ? "/api/v1/incidents?all=1" : "/api/v1/incidents");
  if (!a.error.empty()) return Fail(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  std::printf("%-6s %-24s %-9s %-10s %-20s %-24s %s\n", "ID", "RULE", "SEVERITY", "STATE", "GROUP", "OPENED",
              "SUPPRESSED BY");
  for (const auto& item : a.body.at("incidents").as_array()) {
    const auto& o = item.as_object();
    std::printf("%-6s %-24s %-9s %-10s %-20s %-24s %s\n", Field(o, "id").c_str(), Field(o, "rule").c_str(),
                Field(o, "severity").c_str(), Field(o, "state").c_str(), Group(o).c_str(),
                Field(o, "opened_at").c_str(), Field(o, "suppressed_by").c_str());
  }
  return 0;
}

int ShowIncident(const ApiClient& api, const std::string& id, bool report, bool as_json) {
  auto a = api.Get("/api/v1/incidents/" + id);
  if (!a.error.empty()) return Fail(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  const auto& o = a.body.as_object();
  if (report) {
    std::printf("INCIDENT %s - %s (%s)\nStatus: %s\nOpened: %s\nResolved: %s\nGroup: %s\n", Field(o, "id").c_str(),
                Field(o, "rule").c_str(), Field(o, "severity").c_str(), Field(o, "state").c_str(),
                Field(o, "opened_at").c_str(), Field(o, "resolved_at").c_str(), Group(o).c_str());
    std::printf("\nTimeline:\n");
  } else {
    std::printf("incident %s  %s  severity=%s  state=%s  group=%s\n", Field(o, "id").c_str(), Field(o, "rule").c_str(),
                Field(o, "severity").c_str(), Field(o, "state").c_str(), Group(o).c_str());
    std::printf("opened %s  resolved %s  suppressed by %s\n\n", Field(o, "opened_at").c_str(),
                Field(o, "resolved_at").c_str(), Field(o, "suppressed_by").c_str());
  }
  for (const auto& e : o.at("timeline").as_array()) {
    const auto& t = e.as_object();
    std::printf("  %s  %-10s %-28s %s\n", Field(t, "at").c_str(), Field(t, "kind").c_str(), Field(t, "source").c_str(),
                Field(t, "message").c_str());
  }
  return 0;
}

int AcknowledgeIncident(const ApiClient& api, const std::string& id, const std::string& comment, bool as_json) {
  if (!CheckId("incident", id)) return 2;
  auto a = api.Post("/api/v1/incidents/" + id + "/acknowledge", json::serialize(json::object{{"comment", comment}}));
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  std::printf("incident %s acknowledged by %s: its escalation stopped\n", id.c_str(),
              Field(a.body.as_object(), "acknowledged_by").c_str());
  return 0;
}

}  // namespace runbookd::ctl
