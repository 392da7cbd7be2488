#include "remediations/k8s_delete_pod/delete_pod_plan.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <utility>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/unchanged.hpp"

namespace runbookd::remediations::k8s_delete_pod {

namespace json = boost::json;
using k8s_common::GoQuote;

const std::vector<std::string>& PodStates() {
  static const std::vector<std::string> kStates = {
      "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Error", "NotReady", "Any"};
  return kStates;
}

std::string PodQuery::Target() const { return name.empty() ? ns + "/pods/" + selector : ns + "/pod/" + name; }

namespace {

// Every container status of the pod with what it is: "container" or "init container".
std::vector<std::pair<const json::value*, std::string_view>> Statuses(const json::value& pod) {
  std::vector<std::pair<const json::value*, std::string_view>> out;
  for (const auto& [key, what] :
       {std::pair{"initContainerStatuses", "init container"}, std::pair{"containerStatuses", "container"}}) {
    const auto* list = k8s::Find(pod, {"status", key});
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& status : list->get_array()) out.emplace_back(&status, what);
  }
  return out;
}

std::string Container(const json::value& status, std::string_view what) {
  return std::string(what) + " " + GoQuote(k8s::StringAt(status, {"name"}));
}

std::optional<std::string> MatchWaiting(const json::value& pod, std::string_view reason) {
  for (const auto& [status, what] : Statuses(pod)) {
    if (k8s::StringAt(*status, {"state", "waiting", "reason"}) == reason) {
      return Container(*status, what) + " is waiting: " + std::string(reason);
    }
  }
  return std::nullopt;
}

std::optional<std::string> MatchTerminated(const json::value& pod, std::string_view reason) {
  for (const auto& [status, what] : Statuses(pod)) {
    if (k8s::StringAt(*status, {"state", "terminated", "reason"}) == reason) {
      return Container(*status, what) + " terminated: " + std::string(reason);
    }
    if (k8s::StringAt(*status, {"lastState", "terminated", "reason"}) == reason) {
      return Container(*status, what) + " last terminated: " + std::string(reason);
    }
  }
  return std::nullopt;
}

std::optional<std::string> MatchNotReady(const json::value& pod) {
  if (const auto* conditions = k8s::Find(pod, {"status", "conditions"}); conditions && conditions->is_array()) {
    for (const auto& c : conditions->get_array()) {
      if (k8s::StringAt(c, {"type"}) != "Ready") continue;
      const std::string status = k8s::StringAt(c, {"status"});
      if (status == "True") return std::nullopt;
      return "Ready is " + status +
             (k8s::StringAt(c, {"reason"}).empty() ? "" : " (" + k8s::StringAt(c, {"reason"}) + ")");
    }
  }
  return "no Ready condition";
}

std::string DeleteStep(const json::value& pod) {
  return "DELETE " +
         k8s::PodPath(k8s::StringAt(pod, {"metadata", "namespace"}), k8s::StringAt(pod, {"metadata", "name"})) +
         " (application/json, preconditions.uid " + k8s::StringAt(pod, {"metadata", "uid"}) + ")";
}

// The plan for deleting `pods` (already chosen), described by `summary`.
ActionPlan PlanFor(const PodQuery& query, const std::vector<std::pair<const json::value*, std::string>>& pods,
                   std::string summary) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = query.Target();
  plan.summary = std::move(summary);
  json::array chosen;
  for (const auto& [pod, why] : pods) {
    const json::object identity = k8s::ObservedIdentity("Pod", *pod);
    plan.observed.push_back(identity);
    plan.steps.push_back(k8s_common::VerifyStep(identity));
    json::object entry{{"name", k8s::StringAt(*pod, {"metadata", "name"})},
                       {"uid", k8s::StringAt(*pod, {"metadata", "uid"})}};
    if (!why.empty()) entry["why"] = why;
    chosen.push_back(std::move(entry));
  }
  for (const auto& [pod, _] : pods) plan.steps.push_back(DeleteStep(*pod));
  plan.details = json::object{{"pods", std::move(chosen)}, {"content_type", "application/json"}};
  return plan;
}

std::string Names(const std::vector<std::pair<const json::value*, std::string>>& pods) {
  std::string out;
  for (const auto& [pod, _] : pods) out += (out.empty() ? "" : ", ") + k8s::StringAt(*pod, {"metadata", "name"});
  return out;
}

}  // namespace

std::optional<std::string> MatchState(const json::value& pod, std::string_view state) {
  if (state == "Any") return std::string("any state");
  if (state == "NotReady") return MatchNotReady(pod);
  if (state == "OOMKilled" || state == "Error") return MatchTerminated(pod, state);
  return MatchWaiting(pod, state);
}

bool IsBeingDeleted(const json::value& pod) {
  const auto* stamp = k8s::Find(pod, {"metadata", "deletionTimestamp"});
  return stamp != nullptr && !stamp->is_null();
}

std::string DeleteBody(std::string_view uid) {
  return json::serialize(
      json::object{{"propagationPolicy", "Background"}, {"preconditions", json::object{{"uid", uid}}}});
}

ActionPlan PlanDeleteNamed(const PodQuery& query, const json::value& pod) {
  const std::string display = query.ns + "/" + query.name;
  if (IsBeingDeleted(pod)) {
    ActionPlan plan = PlanFor(query, {}, "");
    plan.observed.push_back(k8s::ObservedIdentity("Pod", pod));
    k8s_common::Conclude(plan, OutcomeReason::kNoop, "pod " + display + " is already being deleted");
    return plan;
  }
  return PlanFor(query, {{&pod, ""}},
                 "delete pod " + display + " (uid " + k8s::StringAt(pod, {"metadata", "uid"}) + ")");
}

ActionPlan PlanDeleteSelected(const PodQuery& query, const json::value& pod_list) {
  std::vector<std::pair<const json::value*, std::string>> matching;
  size_t listed = 0;
  size_t terminating = 0;
  if (const auto* items = k8s::Find(pod_list, {"items"}); items && items->is_array()) {
    for (const auto& pod : items->get_array()) {
      ++listed;
      auto why = MatchState(pod, query.state);
      if (!why) continue;
      if (IsBeingDeleted(pod)) {
        ++terminating;
        continue;
      }
      matching.emplace_back(&pod, std::move(*why));
    }
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
    return k8s::StringAt(*a.first, {"metadata", "name"}) < k8s::StringAt(*b.first, {"metadata", "name"});
  });
  const size_t matched = matching.size();
  if (matching.size() > static_cast<size_t>(query.max_pods)) matching.resize(static_cast<size_t>(query.max_pods));

  const std::string where = "in " + query.ns + " matching " + query.selector + " in state " + query.state;
  const std::string skipped = terminating == 0 ? "" : ", " + std::to_string(terminating) + " already terminating";
  if (matching.empty()) {
    ActionPlan plan = PlanFor(query, {}, "");
    k8s_common::Conclude(plan, OutcomeReason::kNoop,
                         "no pods " + where + " (" + std::to_string(listed) + " listed" + skipped + ")");
    return plan;
  }
  const std::string counts = std::to_string(matched) + " of " + std::to_string(listed) + " pods matched" + skipped +
                             ", max_pods " + std::to_string(query.max_pods);
  return PlanFor(query, matching,
                 std::string(matching.size() == 1 ? "delete pod " : "delete pods ") + Names(matching) + " " + where +
                     " (" + counts + ")");
}

}  // namespace runbookd::remediations::k8s_delete_pod
