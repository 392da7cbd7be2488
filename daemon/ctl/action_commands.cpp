#include "daemon/ctl/action_commands.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace runbookd::ctl {

namespace json = boost::json;

namespace {

std::string Text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

void PrintPlan(const json::object& plan) {
  std::printf("plan:    %s\n", Text(plan, "summary").c_str());
  std::printf("target:  %s\n", Text(plan, "target").c_str());
  if (const auto* steps = plan.if_contains("steps"); steps && steps->is_array() && !steps->get_array().empty()) {
    std::printf("steps:\n");
    for (const auto& s : steps->get_array()) {
      std::printf("  %s\n", s.is_string() ? std::string(s.get_string()).c_str() : json::serialize(s).c_str());
    }
  }
}

}  // namespace

int RunAction(const ApiClient& api, const std::string& action, const std::vector<std::string>& params, bool dry_run,
              bool as_json) {
  json::object p;
  for (const auto& kv : params) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "runbookctl: --param %s: expected KEY=VALUE\n", kv.c_str());
      return 2;
    }
    p[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::string body = json::serialize(json::object{{"params", p}, {"dry_run", dry_run}});
  // A run may wait for a rollout to finish: wait longer than the longest action timeout (30m).
  auto a = api.Post("/api/v1/actions/" + action + "/run", body, std::chrono::minutes(31));
  if (a.status == 0) {
    std::fprintf(stderr, "runbookctl: %s\n", a.error.c_str());
    return 1;
  }
  if (as_json) {
    std::printf("%s\n", a.raw.c_str());
    return a.status == 200 || a.status == 202 ? 0 : 1;
  }
  const auto* obj = a.body.if_object();
  if (obj == nullptr || obj->if_contains("plan") == nullptr) {
    std::fprintf(stderr, "runbookctl: %s\n", a.error.c_str());
    return 1;
  }
  std::printf("action:  %s\n", action.c_str());
  if (const auto* plan = obj->if_contains("plan"); plan && plan->is_object()) PrintPlan(plan->get_object());
  const std::string intent = Text(*obj, "intent_id");
  const std::string recorded = intent.empty() ? "" : " (intent " + intent + ")";
  if (const auto* outcome = obj->if_contains("outcome"); outcome && outcome->is_object()) {
    const auto& o = outcome->get_object();
    std::printf("result:  %s: %s%s\n", Text(o, "reason").c_str(), Text(o, "detail").c_str(), recorded.c_str());
  } else if (a.status == 202) {
    const std::string id = Text(*obj, "approval_id");
    std::printf("result:  waiting for approval %s (runbookctl approve %s, or deny %s)\n", id.c_str(), id.c_str(),
                id.c_str());
  } else if (a.status == 200 && Text(*obj, "dry_run") == "true") {
    std::printf("result:  dry run, nothing was changed%s\n", recorded.c_str());
  } else if (a.status == 200) {
    std::printf("result:  nothing to do%s\n", recorded.c_str());
  } else {
    std::printf("result:  %s: %s%s\n", Text(*obj, "code").c_str(), Text(*obj, "error").c_str(), recorded.c_str());
  }
  return a.status == 200 || a.status == 202 ? 0 : 1;
}

}  // namespace runbookd::ctl
