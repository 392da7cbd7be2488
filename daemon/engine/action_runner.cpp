#include "daemon/engine/action_runner.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/store/store_writer.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

// Bridges StoreWriter's completion callback into a coroutine.
asio::awaitable<store::Status> SubmitJob(store::StoreWriter& writer, store::StoreWriter::Job job) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(store::Status)>(
      [&writer, job = std::move(job)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        writer.Submit(std::move(job), [h](store::Status status) { std::move (*h)(std::move(status)); });
      },
      asio::use_awaitable);
}

store::ActionIntentState StateFor(OutcomeReason reason) {
  switch (reason) {
    case OutcomeReason::kOk:
      return store::ActionIntentState::kSucceeded;
    case OutcomeReason::kNoop:
      return store::ActionIntentState::kNoop;
    case OutcomeReason::kRefused:
    case OutcomeReason::kConflict:
    case OutcomeReason::kNotFound:
    case OutcomeReason::kInvalidParams:
      return store::ActionIntentState::kRefused;
    case OutcomeReason::kTimeout:
    case OutcomeReason::kUnavailable:
      // The write may or may not have reached the server: the outcome is unknown, like a crash
      // mid-run, and it is never retried blindly.
      return store::ActionIntentState::kInterrupted;
    default:
      return store::ActionIntentState::kFailed;
  }
}

// An action that throws is a bug in it; the run ends as an internal error instead of taking the loop down.
asio::awaitable<ActionPlan> PlanSafely(const Action& action, const ActionContext& ctx, const ActionParams& params) {
  std::string error;
  try {
    co_return co_await action.Plan(ctx, params);
  } catch (const std::exception& e) {
    error = e.what();
  }
  ActionPlan plan;
  plan.verdict = OutcomeReason::kInternalError;
  plan.summary = "planning failed: " + error;
  co_return plan;
}

asio::awaitable<Outcome> ExecuteSafely(const Action& action, const ActionContext& ctx, const ActionPlan& plan) {
  std::string error;
  try {
    co_return co_await action.Execute(ctx, plan);
  } catch (const std::exception& e) {
    error = e.what();
  }
  co_return Outcome::Fail(OutcomeReason::kInternalError, "execute failed: " + error);
}

}  // namespace

ActionRunner::ActionRunner(asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
                           DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)), clock_(clock), writer_(writer), metrics_(metrics), logger_(std::move(logger)) {}

asio::awaitable<store::Result<store::ActionIntentId>> ActionRunner::Commit(store::NewActionIntent intent) {
  auto id = std::make_shared<store::ActionIntentId>(0);
  auto job = [intent = std::move(intent), id](store::Store& s) -> store::Status {
    auto inserted = s.InsertActionIntent(intent);
    if (!inserted) return inserted.error();
    *id = *inserted;
    return store::Ok();
  };
  auto status = co_await SubmitJob(writer_, std::move(job));
  if (!status) co_return status.error();
  co_return *id;
}

asio::awaitable<store::Status> ActionRunner::Finish(store::ActionIntentId id, const Outcome& outcome,
                                                    store::ActionIntentState state, WallTime started) {
  store::ActionOutcomeRecord record{id,
                                    1,
                                    outcome.ok ? "ok" : "failed",
                                    outcome.retryable,
                                    std::string(ToString(outcome.reason)),
                                    outcome.detail,
                                    started,
                                    clock_.WallNow()};
  const WallTime at = record.finished_at;
  auto job = [record = std::move(record), state, at](store::Store& s) -> store::Status {
    if (auto r = s.InsertActionOutcome(record); !r) return r;
    return s.SetActionIntentState(record.intent_id, state, at);
  };
  co_return co_await SubmitJob(writer_, std::move(job));
}

// GCC 12 misreports the coroutine frame's allocation (Asio's, freed by its matching operator
// delete) as a mismatched new/delete once Plan and Execute are inlined into each other.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<ActionPlan> ActionRunner::Plan(const ActionRunRequest& request) {
  const ActionContext ctx{executor_, clock_.SteadyNow() + request.timeout};
  ActionPlan plan = co_await PlanSafely(*request.impl, ctx, request.params);
  plan.action = request.action;
  co_return plan;
}

asio::awaitable<ActionRunResult> ActionRunner::Run(ActionRunRequest request) {
  ActionPlan plan = co_await Plan(request);
  co_return co_await Execute(std::move(request), std::move(plan));
}

asio::awaitable<ActionRunResult> ActionRunner::Execute(ActionRunRequest request, ActionPlan plan) {
  ActionRunResult result;
  result.dry_run = request.dry_run;
  result.plan = std::move(plan);
  const ActionContext ctx{executor_, clock_.SteadyNow() + request.timeout};

  store::NewActionIntent intent;
  intent.incident_id = request.incident;
  intent.action = request.action;
  intent.target = result.plan.target;
  intent.plan_hash = result.plan.Hash();
  intent.plan_json = boost::json::serialize(result.plan.ToJson());
  intent.dry_run = request.dry_run;
  intent.at = clock_.WallNow();

  if (!result.plan.runnable() || request.dry_run) {
    // Recorded, so that what runbookd decided not to do is as visible as what it did.
    intent.state =
        request.dry_run && result.plan.runnable() ? store::ActionIntentState::kDryRun : StateFor(result.plan.verdict);
    auto committed = co_await Commit(std::move(intent));
    if (committed) {
      result.intent_id = *committed;
    } else {
      logger_->warn("action {}: could not record the plan: {}", request.action, committed.error().message);
    }
    if (request.dry_run && result.plan.runnable()) {
      metrics_.RecordWouldAct(request.action);
    } else {
      metrics_.RecordActionRun(request.action, ToString(result.plan.verdict));
    }
    logger_->info("action {} ({}): {}{}", request.action, ToString(result.plan.verdict), result.plan.summary,
                  request.dry_run ? " [dry run]" : "");
    co_return result;
  }

  if (!busy_targets_.insert(result.plan.target).second) {
    result.busy = true;
    co_return result;
  }
  intent.state = store::ActionIntentState::kRunning;
  auto committed = co_await Commit(std::move(intent));
  if (!committed) {
    busy_targets_.erase(result.plan.target);
    result.store_error = committed.error();
    logger_->error("action {}: not run: the intent could not be recorded: {}", request.action,
                   committed.error().message);
    co_return result;
  }
  result.intent_id = *committed;
  logger_->info("action {} (intent {}) by {}: {}", request.action, *committed, request.requested_by,
                result.plan.summary);
  const WallTime started = clock_.WallNow();
  Outcome outcome = co_await ExecuteSafely(*request.impl, ctx, result.plan);
  const auto state = StateFor(outcome.reason);
  auto finished = co_await Finish(*committed, outcome, state, started);
  // Held until the outcome is durable, so a second run cannot start on an unrecorded first one.
  busy_targets_.erase(result.plan.target);
  if (!finished) {
    // It ran; the intent stays `running` and start-up will mark it interrupted. The log keeps
    // what happened for whoever reconciles it.
    logger_->error("action {} (intent {}): the outcome could not be recorded ({}): {}: {}", request.action, *committed,
                   finished.error().message, ToString(outcome.reason), outcome.detail);
  }
  metrics_.RecordActionRun(request.action, ToString(outcome.reason));
  logger_->info("action {} (intent {}): {}: {}", request.action, *committed, ToString(outcome.reason), outcome.detail);
  result.outcome = std::move(outcome);
  co_return result;
}

#pragma GCC diagnostic pop

}  // namespace runbookd
