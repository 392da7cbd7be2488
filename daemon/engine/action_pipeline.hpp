#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/gate.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/engine/action_runner.hpp"
#include "daemon/engine/incident_book.hpp"
#include "daemon/store/records.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

class DaemonMetrics;

// A configured action as the pipeline needs it (the app builds these from `actions:`).
struct PipelineAction {
  std::string name;
  std::string type;
  std::shared_ptr<const Action> impl;
  ActionRisk risk = ActionRisk::kDestructive;
  bool approval_required = true;
  bool dry_run = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::map<std::string, std::string> labels;
};

// An incident as the pipeline sees it when it re-checks the world.
struct IncidentView {
  store::IncidentId id = 0;
  bool matching = false;                     // the rule still matches for this group now
  std::optional<std::string> suppressed_by;  // a dependency is down
  std::map<std::string, std::string> group_labels;
  std::string severity;
  WallTime opened_at;
  int unhealthy_signals = 0;  // unhealthy probes and firing alerts behind it now (for "worse")
};

struct ApprovalTicket {
  int64_t id = 0;
  WallTime expires_at;
  std::string error;  // not requested (store failure): the gate denies
};

// What the pipeline needs from the rest of the daemon, as functions: the app wires the gates,
// books and notifiers in, tests wire lambdas. A gate left empty allows.
struct PipelinePorts {
  std::function<std::optional<IncidentView>(const IncidentKey&)> incident;           // nullopt: resolved or unknown
  std::function<bool(const IncidentKey&, const rules::Condition&)> condition_holds;  // a step's `if:`
  std::function<GateDecision(const GateRequest&)> silence;
  std::function<GateDecision(const GateRequest&)> budget;
  std::function<void(const GateRequest&)> record_run;  // an execution started: count it
  std::function<GateDecision(const GateRequest&)> freeze;
  std::function<boost::asio::awaitable<GateDecision>(const GateRequest&)> hook;  // external approval command
  std::function<boost::asio::awaitable<ApprovalTicket>(const GateRequest&, const ActionPlan&)> request_approval;
  // Completes when approval `id` is decided: allow (approved), deny (denied, expired, invalidated).
  std::function<boost::asio::awaitable<GateDecision>(int64_t id)> await_approval;
  std::function<void(int64_t id, const std::string& reason)> invalidate_approval;
  std::function<void(Notification)> notify;
  // Durable incident bookkeeping (timeline entries, state changes); fire and forget.
  std::function<void(store::TimelineEntry)> timeline;
  std::function<void(store::IncidentId, store::IncidentState)> set_state;
};

struct PipelineSettings {
  bool dry_run = false;  // shadow mode for every action
  std::chrono::milliseconds bake_time{std::chrono::minutes(2)};
  std::map<std::string, PipelineAction> actions;
  std::map<std::string, rules::Rule> rules;
};

// How one attempt ended.
enum class AttemptEnd {
  kExecuted,     // Execute ran (its outcome says how it went)
  kDryRun,       // every stage passed; execution was skipped
  kNotRunnable,  // the plan said no (noop, refused, not found, ...)
  kDenied,       // a gate said no
  kPending,      // waiting for approval (manual runs return here; the attempt goes on)
  kBusy,         // another attempt holds the target
  kFailed,       // the intent could not be recorded, or the action is unknown
};
std::string_view ToString(AttemptEnd end);

enum class Verification { kNotChecked, kFixed, kNoEffect, kWorse };
std::string_view ToString(Verification v);

struct AttemptResult {
  AttemptEnd end = AttemptEnd::kFailed;
  ActionRunResult run;                  // plan, outcome, intent
  std::vector<GateDecision> decisions;  // in stage order
  std::optional<int64_t> approval_id;
  Verification verification = Verification::kNotChecked;
  bool escalate = false;  // a human must look: circuit open, freeze, denied approval, no fix
  std::string reason;     // one line: why it ended so
};

struct AttemptRequest {
  std::string action;
  ActionParams params;
  std::optional<IncidentKey> incident;  // automatic runs
  std::string requested_by;             // "rule:NAME" or the API token's name
  bool dry_run = false;                 // asked for by the caller
  bool verify = false;                  // bake, then re-check the incident
  // An approval given before a restart, for the plan with this hash: the approval stage allows a
  // plan with the same hash (and refuses any other) instead of asking again.
  std::optional<std::pair<int64_t, std::string>> approved;
};

// The gated action pipeline (ARCHITECTURE.md §1, §5): plan → dedup → silence → budget → freeze →
// dependency → approval → re-validate → execute → verify, every decision in the incident timeline
// and in runbookd_gate_decisions_total. One event-loop thread.
class ActionPipeline {
 public:
  ActionPipeline(boost::asio::any_io_executor executor, const Clock& clock, ActionRunner& runner,
                 DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger);
  ~ActionPipeline();

  void SetPorts(PipelinePorts ports);
  void SetSettings(PipelineSettings settings);  // on every config generation

  // An incident event the store has committed (`id` is its row). Opened incidents of rules with
  // `then:` steps start their sequence; resolved ones end it.
  void OnIncidentEvent(const IncidentEvent& event, store::IncidentId id);

  // One attempt through every stage. For a manual run (`incident` unset) that needs approval,
  // `on_pending` is called with the pending result and the attempt goes on in the background.
  boost::asio::awaitable<AttemptResult> Attempt(AttemptRequest request,
                                                std::function<void(const AttemptResult&)> on_pending = {});

  // Intents a crash left running, now `interrupted`: each action is planned again to tell whether
  // the run took effect, and that is put on the incident's timeline and announced. Never executed.
  void ReviewInterrupted(std::vector<store::ActionIntentRecord> intents);

  size_t sequences_running() const { return sequences_.size(); }
  // Whether an attempt of this process waits for approval `id`.
  bool awaiting(int64_t approval_id) const { return awaited_.count(approval_id) > 0; }
  void Stop();

 private:
  struct Sequence {
    bool cancelled = false;
    std::optional<int64_t> pending_approval;
  };
  boost::asio::awaitable<void> RunSequence(IncidentKey key, store::IncidentId id, std::shared_ptr<Sequence> sequence);
  boost::asio::awaitable<void> ReviewInterruptedRun(store::ActionIntentRecord intent);
  boost::asio::awaitable<Verification> Verify(const IncidentKey& key, int before);
  boost::asio::awaitable<bool> Sleep(std::chrono::milliseconds d);
  void Decide(const AttemptRequest& req, std::optional<store::IncidentId> id, AttemptResult& result,
              GateDecision decision);
  void Note(std::optional<store::IncidentId> id, store::TimelineKind kind, const std::string& message,
            std::string data = {});
  GateRequest MakeGateRequest(const AttemptRequest& req, const PipelineAction& action, const ActionPlan& plan,
                              const std::optional<IncidentView>& view) const;
  void Escalate(const IncidentKey& key, store::IncidentId id, const std::string& why);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  ActionRunner& runner_;
  DaemonMetrics& metrics_;
  std::shared_ptr<spdlog::logger> logger_;
  PipelinePorts ports_;
  std::shared_ptr<const PipelineSettings> settings_;
  // Dedup: from the plan's gates to the outcome.
  std::shared_ptr<std::set<std::string>> targets_in_flight_ = std::make_shared<std::set<std::string>>();
  std::set<boost::asio::steady_timer*> sleeping_;  // bake timers, cancelled by Stop
  std::set<int64_t> awaited_;                      // approvals an attempt waits for
  std::map<IncidentKey, std::shared_ptr<Sequence>> sequences_;
  std::shared_ptr<bool> alive_;
};

}  // namespace runbookd
