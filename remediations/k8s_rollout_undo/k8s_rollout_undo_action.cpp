#include "remediations/k8s_rollout_undo/k8s_rollout_undo_action.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/factory.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/steps.hpp"
#include "remediations/k8s_rollout_undo/rollout_undo_plan.hpp"

namespace runbookd::remediations::k8s_rollout_undo {

namespace asio = boost::asio;
using namespace k8s_common;

namespace {

class RolloutUndoAction final : public Action {
 public:
  RolloutUndoAction(std::shared_ptr<k8s::Client> client, UndoRequest request)
      : client_(std::move(client)), request_(std::move(request)) {}

  ActionRisk risk() const override { return ActionRisk::kReversible; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    ActionPlan plan = StartPlan(kType, request_.deployment.Target(), params, {"to_revision"});
    if (!plan.runnable()) co_return plan;
    UndoRequest request = request_;
    if (auto it = params.find("to_revision"); it != params.end()) {
      const auto revision = ParseInt64(it->second);
      if (!revision) {
        Conclude(plan, OutcomeReason::kInvalidParams,
                 "param to_revision: expected an integer, got " + GoQuote(it->second));
        co_return plan;
      }
      request.to_revision = *revision;
    }
    // kubectl refuses a negative revision before it reads anything.
    if (request.to_revision < 0) {
      const boost::json::value nothing;
      co_return PlanUndo(request, nothing, nothing);
    }

    std::optional<k8s::Reply> deployment = co_await FetchForPlan(*client_, ctx, request.deployment, plan);
    if (!deployment) co_return plan;
    std::string selector_error;
    std::optional<std::string> list_path = ReplicaSetListPath(request, deployment->body, &selector_error);
    if (!list_path) {
      Conclude(plan, OutcomeReason::kApiError,
               "deployment " + request.deployment.Display() + " has an unusable selector: " + selector_error);
      co_return plan;
    }
    std::string replica_sets_path = std::move(*list_path);
    std::optional<k8s::Reply> replica_sets = co_await FetchForPlan(*client_, ctx, std::move(replica_sets_path), plan);
    if (!replica_sets) co_return plan;
    co_return PlanUndo(request, deployment->body, replica_sets->body);
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    std::string path = k8s::DeploymentPath(request_.deployment.ns, request_.deployment.name);
    if (auto failed = co_await ApplyPlannedPatch(*client_, ctx, plan, std::move(path), k8s::PatchType::kJson)) {
      co_return std::move(*failed);
    }
    boost::json::object data{{"from_revision", DetailInt(plan.details, "from_revision").value_or(0)},
                             {"to_revision", DetailInt(plan.details, "to_revision").value_or(0)}};
    co_return Outcome::Ok("deployment.apps/" + request_.deployment.name + " rolled back", std::move(data));
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  UndoRequest request_;
};

UndoRequest ReadRequest(const config::Node& spec) {
  UndoRequest request;
  request.deployment = ReadDeploymentRef(spec);
  // A negative revision can never be found; say so at --check-config rather than at run time.
  request.to_revision = spec["to_revision"].AsInt(0, 0);
  return request;
}

}  // namespace

ActionFactory MakeActionFactory() {
  return MakeFactory(kType, "\"deployment\"", ReadRequest, [](UndoRequest request, const ActionDeps& deps) {
    request.deployment.ns = ResolveNamespace(request.deployment.ns, deps);
    return std::make_unique<RolloutUndoAction>(deps.kubernetes, std::move(request));
  });
}

}  // namespace runbookd::remediations::k8s_rollout_undo
