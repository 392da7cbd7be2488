#include "remediations/k8s_rollout_status/k8s_rollout_status_action.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/duration.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/factory.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/steps.hpp"
#include "remediations/k8s_rollout_status/rollout_status.hpp"

namespace runbookd::remediations::k8s_rollout_status {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace k8s_common;

namespace {

class RolloutStatusAction final : public Action {
 public:
  RolloutStatusAction(std::shared_ptr<k8s::Client> client, const Clock* clock, StatusWait wait)
      : client_(std::move(client)), clock_(clock), wait_(std::move(wait)) {}

  ActionRisk risk() const override { return ActionRisk::kReadOnly; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    ActionPlan plan = StartPlan(kType, wait_.deployment.Target(), params, {});
    if (!plan.runnable()) co_return plan;
    std::optional<k8s::Reply> deployment = co_await FetchForPlan(*client_, ctx, wait_.deployment, plan);
    if (!deployment) co_return plan;
    co_return PlanRolloutStatus(wait_, deployment->body);
  }

  // Polls instead of checking "unchanged since the plan": the Deployment is expected to change
  // while it rolls out. Only a new UID (deleted and created again) means it is not the same one.
  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    const std::string display = "deployment " + wait_.deployment.Display();
    std::string planned_uid;
    if (!plan.observed.empty() && plan.observed.front().is_object()) {
      planned_uid = DetailString(plan.observed.front().get_object(), "uid");
    }
    const SteadyTime own_deadline = clock_->SteadyNow() + wait_.timeout;
    const SteadyTime deadline = std::min(ctx.deadline, own_deadline);
    const std::string why_stopped =
        (deadline == own_deadline ? "timed out after " + config::FormatDuration(wait_.timeout) + " waiting for "
                                  : std::string("the run's deadline passed while waiting for ")) +
        display + " to roll out: ";
    std::string last = "the deployment could not be read";
    std::string last_failure;  // the last read's error, when it failed
    asio::steady_timer timer(ctx.executor);
    for (;;) {
      std::string path = k8s::DeploymentPath(wait_.deployment.ns, wait_.deployment.name);
      k8s::Reply reply = co_await client_->Get(ctx.executor, std::move(path), deadline);
      if (reply.ok()) {
        const std::string uid = k8s::StringAt(reply.body, {"metadata", "uid"});
        if (!planned_uid.empty() && uid != planned_uid) {
          co_return Outcome::Fail(
              OutcomeReason::kConflict,
              display + " was replaced while waiting for its rollout (uid " + planned_uid + " → " + uid + ")");
        }
        RolloutStatus status = EvaluateRolloutStatus(reply.body, wait_.revision);
        if (status.done) {
          json::object data{{"message", status.message}};
          co_return Outcome::Ok(std::move(status.message), std::move(data));
        }
        if (status.error) co_return Outcome::Fail(OutcomeReason::kVerifyFailed, std::move(status.message));
        last = std::move(status.message);
      } else if (reply.error.kind == k8s::ErrorKind::kNotFound) {
        // kubectl: "object has been deleted".
        co_return Outcome::Fail(OutcomeReason::kNotFound, display + " was deleted while waiting for its rollout");
      } else if (reply.error.kind == k8s::ErrorKind::kCancelled) {
        co_return Outcome::Fail(OutcomeReason::kTimeout, "cancelled while waiting: " + last);
      } else if (!IsRetryable(reply.error.kind)) {
        co_return FailureOutcome(reply.error);
      }
      // A transient failure (transport, 5xx, 429, a slow reply) does not end the wait; the next
      // poll may succeed.

      last_failure = reply.ok() ? std::string() : " (last read: " + reply.error.message + ")";

      const SteadyTime now = clock_->SteadyNow();
      if (now >= deadline) co_return Outcome::Fail(OutcomeReason::kTimeout, why_stopped + last + last_failure);
      timer.expires_after(std::min<std::chrono::steady_clock::duration>(wait_.poll_interval, deadline - now));
      boost::system::error_code ec;
      auto wait_token = asio::redirect_error(asio::use_awaitable, ec);
      co_await timer.async_wait(wait_token);
      if (ec) co_return Outcome::Fail(OutcomeReason::kTimeout, "cancelled while waiting: " + last);
      // A read at the deadline could only time out: stop with what the last one said.
      if (clock_->SteadyNow() >= deadline) {
        co_return Outcome::Fail(OutcomeReason::kTimeout, why_stopped + last + last_failure);
      }
    }
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  const Clock* clock_;
  StatusWait wait_;
};

StatusWait ReadWait(const config::Node& spec) {
  StatusWait wait;
  wait.deployment = ReadDeploymentRef(spec);
  wait.revision = spec["revision"].AsInt(0, 1);
  for (auto [key, value] : {std::pair{"timeout", &wait.timeout}, std::pair{"poll_interval", &wait.poll_interval}}) {
    const config::Node node = spec[key];
    *value = node.AsDuration(*value);
    if (node.defined() && value->count() <= 0) node.Error(std::string(key) + " must be greater than 0");
  }
  return wait;
}

}  // namespace

ActionFactory MakeActionFactory() {
  return MakeFactory(kType, "\"deployment\"", ReadWait, [](StatusWait wait, const ActionDeps& deps) {
    wait.deployment.ns = ResolveNamespace(wait.deployment.ns, deps);
    return std::make_unique<RolloutStatusAction>(deps.kubernetes, ClockOf(deps), std::move(wait));
  });
}

}  // namespace runbookd::remediations::k8s_rollout_status
