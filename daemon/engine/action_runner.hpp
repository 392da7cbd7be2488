#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/store/error.hpp"
#include "daemon/store/records.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

namespace store {
class StoreWriter;
}
class DaemonMetrics;

struct ActionRunRequest {
  std::string action;  // the configured name
  std::shared_ptr<const Action> impl;
  ActionParams params;
  bool dry_run = false;                                        // plan and record only
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // Plan and Execute together
  std::optional<store::IncidentId> incident;
  std::string requested_by;  // the API token's name, or "rule:NAME"
};

struct ActionRunResult {
  ActionPlan plan;
  std::optional<Outcome> outcome;  // set when Execute ran
  std::optional<store::ActionIntentId> intent_id;
  bool dry_run = false;
  bool busy = false;                        // another run on the same target was in flight: nothing done
  std::optional<store::Error> store_error;  // the intent could not be committed: nothing executed
};

// Runs one action: Plan, then (unless dry-run or the plan says no) commit an intent, Execute,
// commit the outcome. An intent is durable before anything is changed, so a crash during
// Execute leaves a `running` intent that start-up marks `interrupted` and never re-runs. One run
// per target at a time. The gated pipeline (approvals, budgets, verification) wraps this.
class ActionRunner {
 public:
  ActionRunner(boost::asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
               DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger);

  // Plan, then Execute.
  boost::asio::awaitable<ActionRunResult> Run(ActionRunRequest request);
  // The action's side-effect-free Plan, named after the configured action.
  boost::asio::awaitable<ActionPlan> Plan(const ActionRunRequest& request);
  // Records `plan` (a dry run, or a plan that says no) or commits its intent, executes it and
  // commits the outcome. The gated pipeline calls Plan, runs its gates, then this.
  boost::asio::awaitable<ActionRunResult> Execute(ActionRunRequest request, ActionPlan plan);
  // Whether a run on `target` is executing now.
  bool busy(const std::string& target) const { return busy_targets_.count(target) > 0; }
  size_t in_flight() const { return busy_targets_.size(); }

 private:
  boost::asio::awaitable<store::Result<store::ActionIntentId>> Commit(store::NewActionIntent intent);
  boost::asio::awaitable<store::Status> Finish(store::ActionIntentId id, const Outcome& outcome,
                                               store::ActionIntentState state, WallTime started);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  store::StoreWriter& writer_;
  DaemonMetrics& metrics_;
  std::shared_ptr<spdlog::logger> logger_;
  std::set<std::string> busy_targets_;
};

}  // namespace runbookd
