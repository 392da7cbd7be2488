#include "remediations/k8s_rollout_status/rollout_status.hpp"

#include "config/duration.hpp"
#include "daemon/clients/k8s/resources.hpp"

namespace runbookd::remediations::k8s_rollout_status {

namespace json = boost::json;
using k8s_common::GoQuote;

namespace {

int64_t Int(const json::value& v, std::initializer_list<std::string_view> path) {
  return k8s::IntAt(v, path).value_or(0);
}

// deploymentutil.GetDeploymentCondition: the first condition of that type.
const json::value* Condition(const json::value& deployment, std::string_view type) {
  const auto* conditions = k8s::Find(deployment, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const auto& c : conditions->get_array()) {
    if (k8s::StringAt(c, {"type"}) == type) return &c;
  }
  return nullptr;
}

RolloutStatus Waiting(std::string message) { return {false, false, std::move(message)}; }
RolloutStatus Failed(std::string message) { return {false, true, std::move(message)}; }

}  // namespace

RolloutStatus EvaluateRolloutStatus(const json::value& deployment, int64_t revision) {
  const std::string name = GoQuote(k8s::StringAt(deployment, {"metadata", "name"}));
  if (revision > 0) {
    std::string error;
    const auto current = k8s_common::RevisionOf(deployment, &error);
    if (!current) return Failed("cannot get the revision of deployment " + name + ": " + error);
    if (*current != revision) {
      return Failed("desired revision (" + std::to_string(revision) + ") is different from the running revision (" +
                    std::to_string(*current) + ")");
    }
  }
  if (Int(deployment, {"metadata", "generation"}) > Int(deployment, {"status", "observedGeneration"})) {
    return Waiting("Waiting for deployment spec update to be observed...");
  }
  if (const auto* progressing = Condition(deployment, "Progressing");
      progressing && k8s::StringAt(*progressing, {"reason"}) == "ProgressDeadlineExceeded") {
    return Failed("deployment " + name + " exceeded its progress deadline");
  }
  const int64_t updated = Int(deployment, {"status", "updatedReplicas"});
  const int64_t replicas = Int(deployment, {"status", "replicas"});
  const int64_t available = Int(deployment, {"status", "availableReplicas"});
  // kubectl skips this check when spec.replicas is unset (nil).
  if (const auto wanted = k8s::IntAt(deployment, {"spec", "replicas"}); wanted && updated < *wanted) {
    return Waiting("Waiting for deployment " + name + " rollout to finish: " + std::to_string(updated) + " out of " +
                   std::to_string(*wanted) + " new replicas have been updated...");
  }
  if (replicas > updated) {
    return Waiting("Waiting for deployment " + name + " rollout to finish: " + std::to_string(replicas - updated) +
                   " old replicas are pending termination...");
  }
  if (available < updated) {
    return Waiting("Waiting for deployment " + name + " rollout to finish: " + std::to_string(available) + " of " +
                   std::to_string(updated) + " updated replicas are available...");
  }
  return {true, false, "deployment " + name + " successfully rolled out"};
}

ActionPlan PlanRolloutStatus(const StatusWait& wait, const json::value& deployment) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = wait.deployment.Target();
  plan.observed.push_back(k8s::ObservedIdentity("Deployment", deployment));
  const std::string timeout = config::FormatDuration(wait.timeout);
  const std::string poll_interval = config::FormatDuration(wait.poll_interval);
  const RolloutStatus now = EvaluateRolloutStatus(deployment, wait.revision);
  plan.summary = "wait up to " + timeout + " for " + wait.deployment.Display() + " to finish rolling out" +
                 (wait.revision > 0 ? " revision " + std::to_string(wait.revision) : "") + " (now: " + now.message +
                 ")";
  plan.steps = {"GET " + k8s::DeploymentPath(wait.deployment.ns, wait.deployment.name) + " every " + poll_interval +
                " until rolled out, at most " + timeout};
  plan.details = json::object{{"timeout", timeout}, {"poll_interval", poll_interval}};
  if (wait.revision > 0) plan.details["revision"] = wait.revision;
  return plan;
}

}  // namespace runbookd::remediations::k8s_rollout_status
