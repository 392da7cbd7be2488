#include "daemon/ctl/silence_commands.hpp"

#include <boost/json.hpp>
#include <cstdio>

#include "daemon/ctl/approval_commands.hpp"

namespace runbookd::ctl {

namespace json = boost::json;

namespace {

// name="value",name=~"regex": the matchers as amtool prints them.
std::string Matchers(const json::object& o) {
  const auto* m = o.if_contains("matchers");
  if (m == nullptr || !m->is_array()) return "-";
  std::string out;
  for (const auto& item : m->get_array()) {
    if (!item.is_object()) continue;
    const auto& mo = item.get_object();
    out += (out.empty() ? "" : ",") + Field(mo, "name") + Field(mo, "op") + "\"" + Field(mo, "value") + "\"";
  }
  return out;
}

void PrintSilence(const char* verb, const json::object& o) {
  std::printf("silence %s %s: %s\n", Field(o, "id").c_str(), verb, Matchers(o).c_str());
  std::printf("from %s until %s (%s), by %s: %s\n", Field(o, "starts_at").c_str(), Field(o, "ends_at").c_str(),
              Field(o, "state").c_str(), Field(o, "created_by").c_str(), Field(o, "comment").c_str());
}

}  // namespace

int AddSilence(const ApiClient& api, const std::vector<std::string>& matchers, const std::string& duration,
               const std::string& until, const std::string& comment, bool as_json) {
  if (duration.empty() == until.empty()) {
    std::fprintf(stderr, "runbookctl: silence add: give --duration (e.g. 2h) or --until (an RFC 3339 time)\n");
    return 2;
  }
  json::array items;
  for (const auto& m : matchers) items.push_back(json::string(m));
  json::object body{{"matchers", std::move(items)}, {"comment", comment}};
  if (!duration.empty()) body["duration"] = duration;
  if (!until.empty()) body["ends_at"] = until;
  auto a = api.Post("/api/v1/silences", json::serialize(body));
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", a.raw.c_str());
    return 0;
  }
  PrintSilence("added", a.body.as_object());
  return 0;
}

int ListSilences(const ApiClient& api, bool all, bool as_json) {
  auto a = api.Get(all ? "/api/v1/silences?all=1" : "/api/v1/silences");
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  std::printf("%-6s %-8s %-40s %-24s %-24s %-16s %s\n", "ID", "STATE", "MATCHERS", "STARTS", "ENDS", "CREATED BY",
              "COMMENT");
  for (const auto& item : a.body.at("silences").as_array()) {
    const auto& o = item.as_object();
    std::printf("%-6s %-8s %-40s %-24s %-24s %-16s %s\n", Field(o, "id").c_str(), Field(o, "state").c_str(),
                Matchers(o).c_str(), Field(o, "starts_at").c_str(), Field(o, "ends_at").c_str(),
                Field(o, "created_by").c_str(), Field(o, "comment").c_str());
  }
  return 0;
}

int ExpireSilence(const ApiClient& api, const std::string& id, bool as_json) {
  if (!CheckId("silence", id)) return 2;
  auto a = api.Delete("/api/v1/silences/" + id);
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", a.raw.c_str());
    return 0;
  }
  PrintSilence("expired", a.body.as_object());
  return 0;
}

}  // namespace runbookd::ctl
