#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/engine/incident_book.hpp"
#include "daemon/engine/probe_runner.hpp"
#include "daemon/rules/evaluator.hpp"
#include "daemon/rules/snapshot.hpp"
#include "daemon/store/records.hpp"
#include "daemon/store/store_writer.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

class DaemonMetrics;

// The "decide" half on the event loop: keeps the Snapshot (settled probe states and firing
// alerts), runs the pure evaluator and IncidentBook on every change and once a second (so `for`
// and `resolve_after` elapse), and persists each evaluation's incident events in one store job.
// It lives for the whole process; reloads hand it new rules.
class IncidentManager {
 public:
  IncidentManager(boost::asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
                  DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger);

  // State left by the previous run, read from the store before the writer starts.
  void Restore(const std::vector<store::IncidentRecord>& open, const std::vector<store::StoredAlert>& firing);
  // Rules of a (new) config generation; timers of rules that keep their name carry over.
  void SetRules(std::vector<rules::Rule> rules);
  // The probes of a (new) config generation: their labels and which names exist.
  void SetProbes(const std::vector<ScheduledProbe>& probes);
  // The latest rollout facts of the Deployments the rules name (recent_rollout conditions).
  void SetRollouts(std::map<rules::DeploymentRef, rules::RolloutFacts> rollouts);
  void Start();
  void Stop();

  void OnProbeResult(const ProbeView& view);
  // Stores one webhook's alerts in one transaction; `done` runs after the durable commit (or
  // with the store's error), and only then do the alerts count as signals.
  void IngestAlerts(std::vector<store::AlertRecord> alerts, std::function<void(store::Status)> done);

  // Called with every incident event once the store has committed it, with its incident's row id
  // (the action pipeline starts and ends its work on these).
  void SetEventObserver(std::function<void(const IncidentEvent&, store::IncidentId)> observer);

  // What the action pipeline re-checks, read from the live state (not the store).
  struct View {
    store::IncidentId id = 0;  // 0 until the opening is committed
    bool matching = false;
    std::optional<std::string> suppressed_by;
    rules::LabelSet group_labels;
    rules::Severity severity = rules::Severity::kWarning;
    WallTime opened_at;
  };
  std::optional<View> Find(const IncidentKey& key) const;        // nullopt: not open
  std::optional<IncidentKey> KeyOf(store::IncidentId id) const;  // nullopt: not open
  // Whether `condition` holds now in the incident's group (a `then:` step's `if:`).
  bool ConditionHolds(const IncidentKey& key, const rules::Condition& condition) const;
  struct ProbeCounts {
    int healthy = 0;
    int unhealthy = 0;
    int unknown = 0;
  };
  ProbeCounts CountProbes() const;
  // Unhealthy probes plus firing alerts now: verification compares it before and after an action.
  int UnhealthySignals() const;

  // Reads for the API, answered on the event loop.
  void ListIncidents(store::IncidentFilter filter,
                     std::function<void(store::Result<std::vector<store::IncidentRecord>>)> done);
  void GetIncident(store::IncidentId id, std::function<void(store::Result<std::optional<store::IncidentDetail>>)> done);

 private:
  struct Pending;
  void ScheduleEvaluation();
  void SetAlertFiring(const rules::AlertSignal& alert, bool firing);
  void Evaluate();
  void Persist(std::vector<IncidentEvent> events);
  void FlushPending();
  void Tick();
  void UpdateOpenGauge();

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  store::StoreWriter& writer_;
  DaemonMetrics& metrics_;
  std::shared_ptr<spdlog::logger> logger_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer evaluation_timer_;
  std::unique_ptr<rules::RuleEvaluator> evaluator_;
  IncidentBook book_;
  rules::Snapshot snapshot_;
  // Position of each firing alert in snapshot_.alerts by identity (fingerprint, startsAt), so a
  // webhook costs O(log n) per alert: removal swaps the last alert into the hole.
  std::map<std::pair<std::string, WallTime>, size_t> alert_index_;
  SteadyTime last_evaluation_{};
  std::map<std::string, std::map<std::string, std::string>> probe_labels_;
  std::vector<IncidentEvent> pending_;  // not yet committed, oldest first
  bool persisting_ = false;             // one store job at a time, so events keep their order
  bool evaluation_scheduled_ = false;
  bool stopped_ = false;
  std::function<void(const IncidentEvent&, store::IncidentId)> observer_;
  std::map<IncidentKey, store::IncidentId> ids_;  // of unresolved incidents, as committed
};

}  // namespace runbookd
