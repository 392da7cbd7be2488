#include "remediations/rds_failover/rds_failover_action.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/duration.hpp"
#include "daemon/clients/aws/aws_api.hpp"
#include "remediations/rds_failover/db_cluster.hpp"
#include "remediations/rds_failover/failover_settings.hpp"
#include "remediations/rds_failover/rds_errors.hpp"

namespace runbookd::remediations::rds_failover {

namespace asio = boost::asio;
namespace json = boost::json;
using aws::ApiErrorKind;

namespace {

constexpr std::string_view kDescribe = "DescribeDBClusters";

struct ClusterRead {
  std::optional<DbCluster> cluster;
  aws::ApiError error;  // set when `cluster` is not
};

// A failed FailoverDBCluster whose failover the wait should look for: an accepted (2xx) answer
// that did not parse, or InvalidDBClusterStateFault after the client tried again because an
// earlier attempt got no answer (that attempt may be the failover now under way).
bool MayHaveStarted(const aws::QueryReply& reply) {
  const aws::ApiError& e = reply.error;
  if (e.kind == ApiErrorKind::kBadResponse && e.http_status >= 200 && e.http_status < 300) return true;
  return reply.attempts > 1 && e.code == "InvalidDBClusterStateFault";
}

std::string DetailString(const json::object& o, std::string_view key) {
  const auto* found = o.if_contains(key);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

// GCC 12 misreports the coroutine frames' allocation (Asio's, freed by its matching operator
// delete) as a mismatched new/delete once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
class FailoverAction final : public Action {
 public:
  FailoverAction(std::shared_ptr<const aws::Api> api, const Clock* clock, FailoverSettings settings,
                 std::chrono::milliseconds poll_interval)
      : api_(std::move(api)), clock_(clock), settings_(std::move(settings)), poll_interval_(poll_interval) {}

  ActionRisk risk() const override { return ActionRisk::kDestructive; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    ActionPlan plan;
    plan.type = std::string(kType);
    plan.target = PlanTarget(api_->settings().region, settings_.request.cluster);
    FailoverRequest request = settings_.request;
    if (auto error = ApplyParams(request, params)) {
      plan.verdict = OutcomeReason::kInvalidParams;
      plan.summary = std::move(*error);
      co_return plan;
    }
    ClusterRead read = co_await Describe(ctx.executor, request.cluster, ctx.deadline);
    if (!read.cluster) {
      plan.verdict = ReasonFor(read.error.kind);
      plan.summary = read.error.kind == ApiErrorKind::kNotFound
                         ? "DB cluster " + request.cluster + " not found (" + CallError(kDescribe, read.error) + ")"
                         : CallError(kDescribe, read.error);
      co_return plan;
    }
    co_return PlanFailover(request, *read.cluster, std::move(plan.target));
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    const std::string cluster = DetailString(plan.details, "db_cluster_identifier");
    const std::string target = DetailString(plan.details, "target_db_instance_identifier");
    if (cluster.empty() || plan.observed.empty() || !plan.observed.front().is_object()) {
      co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: no observed DB cluster");
    }
    const json::object& observed = plan.observed.front().get_object();
    const std::string old_writer = DetailString(observed, "writer");
    const SteadyTime own_deadline = clock_->SteadyNow() + settings_.wait_timeout;
    const SteadyTime deadline = std::min(ctx.deadline, own_deadline);

    ClusterRead before = co_await Describe(ctx.executor, cluster, deadline);
    if (!before.cluster) co_return ReadFailure(kDescribe, before.error);
    if (auto change = DescribeChange(observed, *before.cluster, target)) {
      co_return Outcome::Fail(OutcomeReason::kConflict, std::move(*change));
    }

    aws::QueryParams params{{"DBClusterIdentifier", cluster}};
    if (!target.empty()) params.emplace_back("TargetDBInstanceIdentifier", target);
    // Sent once, whatever it answers: a failover that may have started must not start twice.
    aws::QueryReply reply =
        co_await api_->Query(ctx.executor, aws::AwsService::kRds, "FailoverDBCluster", std::move(params), deadline);
    if (!reply.error.ok() && !MayHaveStarted(reply)) co_return FailoverFailure(cluster, reply.error);

    const std::string limit = deadline == own_deadline ? "after " + config::FormatDuration(settings_.wait_timeout)
                                                       : std::string("at the run's deadline");
    co_return co_await WaitForNewWriter(ctx.executor, cluster, old_writer, target, deadline, limit);
  }

 private:
  asio::awaitable<ClusterRead> Describe(asio::any_io_executor ex, const std::string& cluster,
                                        SteadyTime deadline) const {
    aws::QueryParams params{{"DBClusterIdentifier", cluster}};
    aws::QueryReply reply =
        co_await api_->Query(ex, aws::AwsService::kRds, std::string(kDescribe), std::move(params), deadline);
    ClusterRead read;
    read.error = reply.error;
    if (!reply.error.ok()) co_return read;
    read.cluster = ReadCluster(reply.result, cluster);
    if (!read.cluster) {
      read.error.kind = ApiErrorKind::kNotFound;
      read.error.message = "the answer does not list " + cluster;
    }
    co_return read;
  }

  // Reads the cluster every poll interval until a new writer is in place and the cluster is
  // available again. Nothing here is retryable: the failover was requested.
  asio::awaitable<Outcome> WaitForNewWriter(asio::any_io_executor ex, const std::string& cluster,
                                            const std::string& old_writer, const std::string& requested,
                                            SteadyTime deadline, const std::string& limit) const {
    std::string state = "writer still " + old_writer;
    std::string status_note;  // the cluster's status at the last read, while it is not done
    std::string last_failure;
    asio::steady_timer timer(ex);
    for (;;) {
      const SteadyTime now = clock_->SteadyNow();
      if (now >= deadline) co_return TimedOut(state + " " + limit + status_note + last_failure);
      timer.expires_after(std::min<std::chrono::steady_clock::duration>(poll_interval_, deadline - now));
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return Outcome::Fail(OutcomeReason::kTimeout, "failover requested; cancelled while waiting: " + state);
      if (clock_->SteadyNow() >= deadline) co_return TimedOut(state + " " + limit + status_note + last_failure);

      ClusterRead read = co_await Describe(ex, cluster, deadline);
      if (!read.cluster) {
        if (!IsTransient(read.error.kind)) {
          co_return Outcome::Fail(ReasonFor(read.error.kind),
                                  "failover requested; then " + CallError(kDescribe, read.error));
        }
        last_failure = " (last read: " + CallError(kDescribe, read.error) + ")";
        continue;
      }
      last_failure.clear();
      const DbCluster& now_cluster = *read.cluster;
      const std::string writer = now_cluster.Writer();
      if (!writer.empty() && writer != old_writer && now_cluster.status == "available") {
        std::string detail = now_cluster.Display() + " failed over: writer " + old_writer + " → " + writer;
        if (!requested.empty() && writer != requested) detail += " (requested " + requested + ")";
        co_return Outcome::Ok(std::move(detail), json::object{{"old_writer", old_writer}, {"new_writer", writer}});
      }
      if (IsFailedStatus(now_cluster.status)) {
        co_return Outcome::Fail(OutcomeReason::kVerifyFailed, "failover requested; " + now_cluster.Display() + " is " +
                                                                  now_cluster.status + " (writer " +
                                                                  (writer.empty() ? "none" : writer) + ")");
      }
      state = writer.empty()         ? "no writer (was " + old_writer + ")"
              : writer == old_writer ? "writer still " + old_writer
                                     : "writer now " + writer;
      status_note = " (cluster status " + now_cluster.status + ")";
    }
  }

  static Outcome TimedOut(const std::string& what) {
    return Outcome::Fail(OutcomeReason::kTimeout, "failover requested; " + what);
  }

  std::shared_ptr<const aws::Api> api_;
  const Clock* clock_;
  FailoverSettings settings_;
  std::chrono::milliseconds poll_interval_;
};
#pragma GCC diagnostic pop

}  // namespace

ActionFactory MakeActionFactory(std::chrono::milliseconds poll_interval) {
  return [poll_interval](const config::Node& spec, const ActionDeps& deps) -> std::unique_ptr<Action> {
    std::optional<FailoverSettings> settings = ReadFailoverSettings(spec, deps);
    if (!settings) return nullptr;
    static const SystemClock kSystemClock;
    const Clock* clock = deps.clock ? deps.clock : &kSystemClock;
    return std::make_unique<FailoverAction>(deps.aws, clock, std::move(*settings), poll_interval);
  };
}

}  // namespace runbookd::remediations::rds_failover
