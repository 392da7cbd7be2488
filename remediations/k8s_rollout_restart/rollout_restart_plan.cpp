#include "remediations/k8s_rollout_restart/rollout_restart_plan.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/unchanged.hpp"

namespace runbookd::remediations::k8s_rollout_restart {

namespace json = boost::json;

std::string FormatRfc3339Utc(WallTime time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RestartPatch(std::string_view restarted_at) {
  const json::object patch{
      {"spec",
       json::object{
           {"template", json::object{{"metadata", json::object{{"annotations", json::object{{kRestartedAtAnnotation,
                                                                                             restarted_at}}}}}}}}}};
  return json::serialize(patch);
}

std::string RestartPath(const k8s_common::DeploymentRef& deployment) {
  return k8s::DeploymentPath(deployment.ns, deployment.name) + "?fieldManager=" + std::string(kFieldManager);
}

bool AlreadyRestartedAt(const json::value& deployment, std::string_view restarted_at) {
  const auto* value = k8s::Find(deployment, {"spec", "template", "metadata", "annotations", kRestartedAtAnnotation});
  return value && value->is_string() && value->get_string() == restarted_at;
}

ActionPlan PlanRestart(const k8s_common::DeploymentRef& ref, const json::value& deployment) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = ref.Target();
  const json::object identity = k8s::ObservedIdentity("Deployment", deployment);
  plan.observed.push_back(identity);
  if (const auto* paused = k8s::Find(deployment, {"spec", "paused"});
      paused && paused->is_bool() && paused->get_bool()) {
    k8s_common::Conclude(plan, OutcomeReason::kRefused, "can't restart paused deployment (run rollout resume first)");
    return plan;
  }
  const int64_t replicas = k8s::IntAt(deployment, {"spec", "replicas"}).value_or(1);
  plan.summary = "restart " + ref.Display() + " (a rolling restart of " + std::to_string(replicas) +
                 (replicas == 1 ? " pod" : " pods") + "; " + std::string(kRestartedAtAnnotation) +
                 " is set to the time of execution)";
  plan.steps = {k8s_common::VerifyStep(identity),
                "PATCH " + RestartPath(ref) + " (application/strategic-merge-patch+json)"};
  plan.details = json::object{
      {"content_type", "application/strategic-merge-patch+json"},
      {"field_manager", kFieldManager},
      {"patch_shape", RestartPatch("<RFC 3339 UTC time at execution>")},
  };
  return plan;
}

}  // namespace runbookd::remediations::k8s_rollout_restart
