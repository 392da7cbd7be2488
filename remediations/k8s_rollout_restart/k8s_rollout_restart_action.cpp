#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/unchanged.hpp"
#include "remediations/k8s_rollout_restart/rollout_restart_plan.hpp"

namespace runbookd::remediations::k8s_rollout_restart {

namespace asio = boost::asio;
using namespace k8s_common;

namespace {

class RolloutRestartAction final : public Action {
 public:
  RolloutRestartAction(std::shared_ptr<k8s::Client> client, const Clock* clock, DeploymentRef deployment)
      : client_(std::move(client)), clock_(clock), deployment_(std::move(deployment)) {}

  ActionRisk risk() const override { return ActionRisk::kReversible; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    ActionPlan plan;
    plan.type = std::string(kType);
    plan.target = deployment_.Target();
    if (auto unknown = UnknownParam(params, {})) {
      Conclude(plan, OutcomeReason::kInvalidParams, UnknownParamMessage(kType, *unknown, {}));
      co_return plan;
    }
    std::string path = k8s::DeploymentPath(deployment_.ns, deployment_.name);
    k8s::Reply deployment = co_await client_->Get(ctx.executor, std::move(path), ctx.deadline);
    if (!deployment.ok()) {
      FailPlan(plan, deployment.error);
      co_return plan;
    }
    co_return PlanRestart(deployment_, deployment.body);
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    std::vector<boost::json::value> current;
    if (auto changed = co_await VerifyUnchanged(*client_, ctx, plan.observed, &current)) co_return std::move(*changed);
    const std::string restarted_at = FormatRfc3339Utc(clock_->WallNow());
    if (!current.empty() && AlreadyRestartedAt(current.front(), restarted_at)) {
      co_return Outcome{.ok = true,
                        .reason = OutcomeReason::kNoop,
                        .detail = "deployment.apps/" + deployment_.name + " was already restarted at " + restarted_at,
                        .data = {{"restarted_at", restarted_at}}};
    }
    std::string path = RestartPath(deployment_);
    std::string body = RestartPatch(restarted_at);
    k8s::Reply reply = co_await client_->Patch(ctx.executor, std::move(path), k8s::PatchType::kStrategicMerge,
                                               std::move(body), ctx.deadline);
    if (!reply.ok()) co_return FailureOutcome(reply.error);
    boost::json::object data{{"restarted_at", restarted_at}};
    co_return Outcome::Ok("deployment.apps/" + deployment_.name + " restarted", std::move(data));
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  const Clock* clock_;
  DeploymentRef deployment_;
};

}  // namespace

ActionFactory MakeActionFactory() {
  return [](const config::Node& spec, const ActionDeps& deps) -> std::unique_ptr<Action> {
    if (!CheckSpecIsMapping(spec, kType, "\"deployment\"")) {
      CheckKubernetesConnection(spec, deps, kType);
      return nullptr;
    }
    const size_t errors_before = ErrorCount(spec);
    DeploymentRef deployment = ReadDeploymentRef(spec);
    CheckKubernetesConnection(spec, deps, kType);
    if (ErrorCount(spec) != errors_before) return nullptr;
    deployment.ns = ResolveNamespace(deployment.ns, deps);
    static const SystemClock kSystemClock;
    const Clock* clock = deps.clock ? deps.clock : &kSystemClock;
    return std::make_unique<RolloutRestartAction>(deps.kubernetes, clock, std::move(deployment));
  };
}

}  // namespace runbookd::remediations::k8s_rollout_restart
