#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/factory.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/steps.hpp"
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
    ActionPlan plan = StartPlan(kType, deployment_.Target(), params, {});
    if (!plan.runnable()) co_return plan;
    std::optional<k8s::Reply> deployment = co_await FetchForPlan(*client_, ctx, deployment_, plan);
    if (!deployment) co_return plan;
    co_return PlanRestart(deployment_, deployment->body);
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
    if (auto failed =
            co_await PatchForRun(*client_, ctx, std::move(path), k8s::PatchType::kStrategicMerge, std::move(body))) {
      co_return std::move(*failed);
    }
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
  return MakeFactory(kType, "\"deployment\"", ReadDeploymentRef, [](DeploymentRef deployment, const ActionDeps& deps) {
    deployment.ns = ResolveNamespace(deployment.ns, deps);
    return std::make_unique<RolloutRestartAction>(deps.kubernetes, ClockOf(deps), std::move(deployment));
  });
}

}  // namespace runbookd::remediations::k8s_rollout_restart
