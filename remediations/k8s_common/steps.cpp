#include "remediations/k8s_common/steps.hpp"

#include <utility>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/unchanged.hpp"

namespace runbookd::remediations::k8s_common {

namespace asio = boost::asio;

ActionPlan NewPlan(std::string_view type, std::string target) {
  ActionPlan plan;
  plan.type = std::string(type);
  plan.target = std::move(target);
  return plan;
}

ActionPlan StartPlan(std::string_view type, std::string target, const ActionParams& params,
                     std::initializer_list<std::string_view> allowed) {
  ActionPlan plan = NewPlan(type, std::move(target));
  if (auto unknown = UnknownParam(params, allowed)) {
    Conclude(plan, OutcomeReason::kInvalidParams, UnknownParamMessage(type, *unknown, allowed));
  }
  return plan;
}

asio::awaitable<std::optional<k8s::Reply>> FetchForPlan(k8s::Client& client, const ActionContext& ctx, std::string path,
                                                        ActionPlan& plan) {
  k8s::Reply reply = co_await client.Get(ctx.executor, std::move(path), ctx.deadline);
  if (!reply.ok()) {
    FailPlan(plan, reply.error);
    co_return std::nullopt;
  }
  co_return std::move(reply);
}

asio::awaitable<std::optional<k8s::Reply>> FetchForPlan(k8s::Client& client, const ActionContext& ctx,
                                                        const DeploymentRef& deployment, ActionPlan& plan) {
  // Not a coroutine: the path is built now and moves into the other overload's frame.
  return FetchForPlan(client, ctx, k8s::DeploymentPath(deployment.ns, deployment.name), plan);
}

asio::awaitable<std::optional<Outcome>> PatchForRun(k8s::Client& client, const ActionContext& ctx, std::string path,
                                                    k8s::PatchType type, std::string body) {
  k8s::Reply reply = co_await client.Patch(ctx.executor, std::move(path), type, std::move(body), ctx.deadline);
  if (!reply.ok()) co_return FailureOutcome(reply.error);
  co_return std::nullopt;
}

asio::awaitable<std::optional<Outcome>> ApplyPlannedPatch(k8s::Client& client, const ActionContext& ctx,
                                                          const ActionPlan& plan, std::string path,
                                                          k8s::PatchType type) {
  std::string patch = DetailString(plan.details, "patch");
  if (patch.empty()) co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: no patch");
  if (auto changed = co_await VerifyUnchanged(client, ctx, plan.observed)) co_return changed;
  co_return co_await PatchForRun(client, ctx, std::move(path), type, std::move(patch));
}

}  // namespace runbookd::remediations::k8s_common
