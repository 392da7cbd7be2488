#include "daemon/ctl/approval_commands.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace runbookd::ctl {

namespace json = boost::json;

std::string Field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

namespace {

std::string Votes(const json::object& o) { return Field(o, "approvals") + "/" + Field(o, "quorum"); }

// Long summaries would push the time columns out of a terminal line.
std::string Clip(std::string text, size_t width) {
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

}  // namespace

int ReportApiError(const ApiAnswer& a) {
  if (a.status == 0) {
    std::fprintf(stderr, "runbookctl: %s\n", a.error.c_str());
    return 1;
  }
  const auto* o = a.body.if_object();
  const std::string code = o ? Field(*o, "code") : "-";
  const std::string message = o ? Field(*o, "error") : a.raw;
  std::fprintf(stderr, "runbookctl: HTTP %d %s: %s\n", a.status, code.c_str(), message.c_str());
  return 1;
}

bool CheckId(const std::string& what, const std::string& id) {
  const bool ok = !id.empty() && id.size() < 19 && id.find_first_not_of("0123456789") == std::string::npos &&
                  id.find_first_not_of('0') != std::string::npos;
  if (!ok) std::fprintf(stderr, "runbookctl: %s id must be a positive integer, not \"%s\"\n", what.c_str(), id.c_str());
  return ok;
}

int ListApprovals(const ApiClient& api, bool as_json) {
  auto a = api.Get("/api/v1/approvals");
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", json::serialize(a.body).c_str());
    return 0;
  }
  std::printf("%-6s %-24s %-36s %-40s %-24s %-24s %s\n", "ID", "ACTION", "TARGET", "PLAN", "REQUESTED", "EXPIRES",
              "VOTES");
  for (const auto& item : a.body.at("approvals").as_array()) {
    const auto& o = item.as_object();
    std::printf("%-6s %-24s %-36s %-40s %-24s %-24s %s\n", Field(o, "id").c_str(), Field(o, "action").c_str(),
                Field(o, "target").c_str(), Clip(Field(o, "summary"), 40).c_str(), Field(o, "requested_at").c_str(),
                Field(o, "expires_at").c_str(), Votes(o).c_str());
  }
  return 0;
}

int VoteOnApproval(const ApiClient& api, const std::string& id, bool approve, const std::string& comment,
                   bool as_json) {
  if (!CheckId("approval", id)) return 2;
  const std::string body = json::serialize(json::object{{"comment", comment}});
  auto a = api.Post("/api/v1/approvals/" + id + (approve ? "/approve" : "/deny"), body);
  if (!a.error.empty()) return ReportApiError(a);
  if (as_json) {
    std::printf("%s\n", a.raw.c_str());
    return 0;
  }
  const auto& o = a.body.as_object();
  std::printf("approval %s: %s (%s approvals)", Field(o, "id").c_str(), Field(o, "state").c_str(), Votes(o).c_str());
  const std::string reason = Field(o, "reason");
  std::printf("%s\n", reason == "-" || reason.empty() ? "" : (": " + reason).c_str());
  std::printf("%s on %s: %s\n", Field(o, "action").c_str(), Field(o, "target").c_str(), Field(o, "summary").c_str());
  return 0;
}

}  // namespace runbookd::ctl
