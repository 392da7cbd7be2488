#include "remediations/eks_nodegroup_scale/eks_nodegroup_scale_action.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/aws/aws_api.hpp"
#include "remediations/eks_nodegroup_scale/eks_errors.hpp"
#include "remediations/eks_nodegroup_scale/nodegroup_plan.hpp"
#include "remediations/eks_nodegroup_scale/scale_settings.hpp"
#include "remediations/eks_nodegroup_scale/update_status.hpp"

namespace runbookd::remediations::eks_nodegroup_scale {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kDescribeNodegroup = "DescribeNodegroup";
constexpr std::string_view kUpdateConfig = "UpdateNodegroupConfig";
constexpr std::string_view kDescribeUpdate = "DescribeUpdate";

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const auto* found = o.if_contains(key);
  return found && found->is_object() ? &found->get_object() : nullptr;
}

// GCC 12 misreports the coroutine frames' allocation (Asio's, freed by its matching operator
// delete) as a mismatched new/delete once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
class NodegroupScaleAction final : public Action {
 public:
  NodegroupScaleAction(std::shared_ptr<const aws::Api> api, const Clock* clock, ScaleRequest request,
                       std::chrono::milliseconds poll_interval)
      : api_(std::move(api)), clock_(clock), request_(std::move(request)), poll_interval_(poll_interval) {}

  ActionRisk risk() const override { return ActionRisk::kReversible; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    ActionPlan plan;
    plan.type = std::string(kType);
    plan.target = PlanTarget(api_->settings().region, request_);
    ScaleRequest request = request_;
    if (auto error = ApplyParams(request, params)) {
      plan.verdict = OutcomeReason::kInvalidParams;
      plan.summary = std::move(*error);
      co_return plan;
    }
    aws::JsonReply reply = co_await DescribeNodegroup(ctx.executor, ctx.deadline);
    if (!reply.error.ok()) {
      plan.verdict = ReasonFor(reply.error);
      plan.summary = CallError(kDescribeNodegroup, reply.error);
      co_return plan;
    }
    co_return PlanNodegroupScale(request, ReadNodegroup(reply.body), std::move(plan.target));
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    const json::object* body = ObjectAt(plan.details, "body");
    const std::optional<ScalingConfig> target = ScalingFromJson(plan.details.if_contains("to"));
    if (body == nullptr || !target || plan.observed.empty() || !plan.observed.front().is_object()) {
      co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: no update body or observed nodegroup");
    }
    const SteadyTime deadline = ctx.deadline;
    aws::JsonReply current = co_await DescribeNodegroup(ctx.executor, deadline);
    if (!current.error.ok()) co_return CallFailure(kDescribeNodegroup, current.error);
    if (auto change =
            DescribeChange(request_, plan.observed.front().get_object(), ReadNodegroup(current.body), *target)) {
      co_return Outcome::Fail(OutcomeReason::kConflict, std::move(*change));
    }

    std::string path = NodegroupPath(request_.cluster, request_.nodegroup) + "/update-config";
    aws::JsonReply sent = co_await api_->RestJson(ctx.executor, aws::AwsService::kEks, "POST", std::move(path),
                                                  json::value(*body), deadline);
    if (!sent.error.ok()) co_return CallFailure(kUpdateConfig, sent.error);
    UpdateState update = ReadUpdate(sent.body);
    if (update.id.empty()) {
      co_return Outcome::Fail(OutcomeReason::kApiError, "eks UpdateNodegroupConfig: the answer has no update id");
    }
    const ScalingConfig from = ScalingFromJson(plan.details.if_contains("from")).value_or(*target);
    const std::string scaled = "EKS nodegroup " + request_.Display() + " scaled: " + DescribeSizes(from, *target);
    co_return co_await WaitForUpdate(ctx.executor, std::move(update), scaled, *target, deadline);
  }

 private:
  asio::awaitable<aws::JsonReply> DescribeNodegroup(asio::any_io_executor ex, SteadyTime deadline) const {
    return api_->RestJson(ex, aws::AwsService::kEks, "GET", NodegroupPath(request_.cluster, request_.nodegroup),
                          std::nullopt, deadline);
  }

  // Reads the update every poll interval until it ends. A timeout is retryable: Execute of the
  // same plan sends the same clientRequestToken, and EKS answers with this update again.
  asio::awaitable<Outcome> WaitForUpdate(asio::any_io_executor ex, UpdateState update, const std::string& scaled,
                                         const ScalingConfig& target, SteadyTime deadline) const {
    std::string last_failure;
    asio::steady_timer timer(ex);
    for (;;) {
      if (auto done = Concluded(update, scaled, target)) co_return std::move(*done);
      const SteadyTime now = clock_->SteadyNow();
      if (now >= deadline) co_return TimedOut(update, last_failure);
      timer.expires_after(std::min<std::chrono::steady_clock::duration>(poll_interval_, deadline - now));
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec)
        co_return Outcome::Fail(OutcomeReason::kTimeout, "update " + update.id + " requested; cancelled while waiting");
      if (clock_->SteadyNow() >= deadline) co_return TimedOut(update, last_failure);

      std::string path = UpdatePath(request_.cluster, request_.nodegroup, update.id);
      aws::JsonReply reply =
          co_await api_->RestJson(ex, aws::AwsService::kEks, "GET", std::move(path), std::nullopt, deadline);
      if (!reply.error.ok()) {
        if (!IsTransient(reply.error.kind)) {
          Outcome failed = CallFailure(kDescribeUpdate, reply.error);
          failed.detail = "update " + update.id + " requested; then " + failed.detail;
          co_return failed;
        }
        last_failure = " (last read: " + CallError(kDescribeUpdate, reply.error) + ")";
        continue;
      }
      last_failure.clear();
      UpdateState read = ReadUpdate(reply.body);
      if (read.id.empty()) read.id = update.id;
      update = std::move(read);
    }
  }

  static Outcome TimedOut(const UpdateState& update, const std::string& last_failure) {
    return Outcome::Fail(OutcomeReason::kTimeout,
                         "update " + update.id + " still " + update.status + " at the run's deadline" + last_failure,
                         /*retryable=*/true);
  }

  std::shared_ptr<const aws::Api> api_;
  const Clock* clock_;
  ScaleRequest request_;
  std::chrono::milliseconds poll_interval_;
};
#pragma GCC diagnostic pop

}  // namespace

ActionFactory MakeActionFactory(std::chrono::milliseconds poll_interval) {
  return [poll_interval](const config::Node& spec, const ActionDeps& deps) -> std::unique_ptr<Action> {
    std::optional<ScaleRequest> request = ReadScaleRequest(spec, deps);
    if (!request) return nullptr;
    static const SystemClock kSystemClock;
    const Clock* clock = deps.clock ? deps.clock : &kSystemClock;
    return std::make_unique<NodegroupScaleAction>(deps.aws, clock, std::move(*request), poll_interval);
  };
}

}  // namespace runbookd::remediations::eks_nodegroup_scale
