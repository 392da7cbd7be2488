#include "daemon/engine/incident_manager.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/rules/condition_eval.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

// `for` and `resolve_after` are checked at least this often, besides every signal.
constexpr std::chrono::seconds kTickInterval{1};
constexpr std::chrono::milliseconds kMinEvaluationGap{10};

store::TimelineKind TimelineKindOf(IncidentEvent::Kind kind) {
  switch (kind) {
    case IncidentEvent::Kind::kOpened:
      return store::TimelineKind::kMatch;
    case IncidentEvent::Kind::kSignal:
      return store::TimelineKind::kSignal;
    case IncidentEvent::Kind::kSuppressed:
    case IncidentEvent::Kind::kUnsuppressed:
      return store::TimelineKind::kSuppressed;
    case IncidentEvent::Kind::kStoppedMatching:
    case IncidentEvent::Kind::kMatchingAgain:
    case IncidentEvent::Kind::kResolved:
      return store::TimelineKind::kState;
  }
  return store::TimelineKind::kNote;
}

// One event's writes, run on the writer thread inside the evaluation's transaction. The row is
// found (or, if its opening was lost to a failed write, created) by rule and group, so an event
// never depends on an id remembered from a write that may have been rolled back.
store::Status WriteEvent(store::Store& s, const IncidentEvent& e, store::IncidentId& id) {
  auto row = s.OpenIncident(store::NewIncident{e.key.rule, e.key.group_key, e.group_labels,
                                               std::string(rules::ToString(e.severity)), e.opened_at});
  if (!row) return row.error();
  id = row->id;
  if (e.kind == IncidentEvent::Kind::kSuppressed || e.kind == IncidentEvent::Kind::kUnsuppressed) {
    if (auto st = s.SetSuppressedBy(id, e.suppressed_by, e.at); !st) return st;
  }
  if (e.kind == IncidentEvent::Kind::kResolved) {
    if (auto st = s.SetIncidentState(id, store::IncidentState::kResolved, e.at); !st) return st;
  }
  auto t = s.AppendTimeline(store::TimelineEntry{0, id, e.at, e.source, TimelineKindOf(e.kind), e.message, {}});
  if (!t) return t.error();
  return {};
}

// Events waiting for the store beyond this are dropped (and logged): the store has been failing
// for long, and the book rebuilds from what the store holds at the next start.
constexpr size_t kMaxPendingEvents = 10000;

}  // namespace

IncidentManager::IncidentManager(asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
                                 DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)),
      clock_(clock),
      writer_(writer),
      metrics_(metrics),
      logger_(std::move(logger)),
      timer_(executor_),
      evaluation_timer_(executor_),
      evaluator_(std::make_unique<rules::RuleEvaluator>(std::vector<rules::Rule>{})) {}

void IncidentManager::Restore(const std::vector<store::IncidentRecord>& open,
                              const std::vector<store::StoredAlert>& firing) {
  const WallTime now = clock_.WallNow();
  for (const auto& r : open) {
    OpenIncident incident{IncidentKey{r.rule, r.group_key}, r.group_labels};
    const auto& names = rules::SeverityNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == r.severity) incident.severity = static_cast<rules::Severity>(i);
    }
    incident.opened_at = r.opened_at;
    incident.suppressed_by = r.suppressed_by;
    ids_[incident.key] = r.id;
    book_.Restore(std::move(incident), now);
  }
  for (const auto& a : firing) {
    SetAlertFiring(rules::AlertSignal{a.record.fingerprint, a.record.starts_at, a.record.labels, a.record.annotations,
                                      rules::AlertStatus::kFiring},
                   true);
  }
  UpdateOpenGauge();
}

void IncidentManager::SetRules(std::vector<rules::Rule> rules) {
  auto next = std::make_unique<rules::RuleEvaluator>(std::move(rules));
  next->Inherit(*evaluator_);
  evaluator_ = std::move(next);
  ScheduleEvaluation();
}

void IncidentManager::SetRollouts(std::map<rules::DeploymentRef, rules::RolloutFacts> rollouts) {
  snapshot_.rollouts = std::move(rollouts);
  ScheduleEvaluation();
}

void IncidentManager::SetProbes(const std::vector<ScheduledProbe>& probes) {
  std::map<std::string, rules::ProbeSignal> kept;
  probe_labels_.clear();
  for (const auto& p : probes) {
    probe_labels_[p.name] = p.labels;
    rules::ProbeSignal signal;
    // A probe that changed type on reload starts over: the old type's results say nothing of it.
    if (auto it = snapshot_.probes.find(p.name); it != snapshot_.probes.end() && it->second.type == p.type) {
      signal = it->second;
    }
    signal.type = p.type;
    signal.labels = p.labels;
    kept[p.name] = std::move(signal);
  }
  snapshot_.probes = std::move(kept);
  // After a restart, incidents carried over wait for every probe's first settled result.
  std::chrono::milliseconds grace{0};
  for (const auto& p : probes) grace = std::max(grace, p.interval * p.fail_after + p.timeout);
  book_.SetRestoreGrace(grace);
  ScheduleEvaluation();
}

void IncidentManager::Start() { Tick(); }

void IncidentManager::Stop() {
  stopped_ = true;
  timer_.cancel();
  evaluation_timer_.cancel();
}

void IncidentManager::Tick() {
  if (stopped_) return;
  Evaluate();
  FlushPending();
  timer_.expires_after(kTickInterval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void IncidentManager::OnProbeResult(const ProbeView& view) {
  rules::ProbeSignal& signal = snapshot_.probes[view.name];
  signal.type = view.type;
  signal.state = view.state;
  signal.streak = view.streak;
  signal.streak_status = view.streak_status;
  signal.last_reason = view.last ? std::optional(view.last->reason) : std::nullopt;
  if (auto it = probe_labels_.find(view.name); it != probe_labels_.end()) signal.labels = it->second;
  ScheduleEvaluation();
}

void IncidentManager::IngestAlerts(std::vector<store::AlertRecord> alerts, std::function<void(store::Status)> done) {
  auto batch = std::make_shared<std::vector<store::AlertRecord>>(std::move(alerts));
  // Whether each alert is firing once stored: the store, not the delivery, decides (a late firing
  // delivery does not reopen an instance already resolved).
  auto firing = std::make_shared<std::vector<bool>>(batch->size(), false);
  writer_.Submit(
      [batch, firing](store::Store& s) -> store::Status {
        for (size_t i = 0; i < batch->size(); ++i) {
          const auto& a = (*batch)[i];
          if (auto r = s.UpsertAlert(a); !r) return r.error();
          auto stored = s.GetAlert(a.fingerprint, a.starts_at);
          if (!stored) return stored.error();
          (*firing)[i] = *stored && (*stored)->record.status == store::AlertStatus::kFiring;
        }
        return {};
      },
      [this, batch, firing, done = std::move(done)](store::Status status) {
        if (status) {
          for (size_t i = 0; i < batch->size(); ++i) {
            const auto& a = (*batch)[i];
            SetAlertFiring(
                rules::AlertSignal{a.fingerprint, a.starts_at, a.labels, a.annotations, rules::AlertStatus::kFiring},
                (*firing)[i]);
          }
          ScheduleEvaluation();
        }
        done(std::move(status));
      });
}

// Signals are evaluated at once, but under a flood of them at most once per kMinEvaluationGap:
// an evaluation reads every firing alert, and webhooks must not queue behind back-to-back scans.
void IncidentManager::ScheduleEvaluation() {
  if (evaluation_scheduled_ || stopped_) return;
  evaluation_scheduled_ = true;
  auto run = [this] {
    evaluation_scheduled_ = false;
    if (!stopped_) Evaluate();
  };
  const SteadyTime earliest = last_evaluation_ + kMinEvaluationGap;
  if (std::chrono::steady_clock::now() >= earliest) {
    asio::post(executor_, run);
    return;
  }
  evaluation_timer_.expires_at(earliest);
  evaluation_timer_.async_wait([run](const boost::system::error_code& ec) {
    if (!ec) run();
  });
}

void IncidentManager::SetAlertFiring(const rules::AlertSignal& alert, bool firing) {
  auto& alerts = snapshot_.alerts;
  const auto key = std::make_pair(alert.fingerprint, alert.starts_at);
  auto it = alert_index_.find(key);
  if (firing) {
    if (it != alert_index_.end()) {
      alerts[it->second] = alert;
    } else {
      alert_index_.emplace(key, alerts.size());
      alerts.push_back(alert);
    }
    return;
  }
  if (it == alert_index_.end()) return;
  const size_t hole = it->second;
  alert_index_.erase(it);
  if (hole + 1 != alerts.size()) {
    alerts[hole] = std::move(alerts.back());
    alert_index_[std::make_pair(alerts[hole].fingerprint, alerts[hole].starts_at)] = hole;
  }
  alerts.pop_back();
}

void IncidentManager::Evaluate() {
  const WallTime now = clock_.WallNow();
  // Pacing uses the real steady clock, as the timer does; rule time comes from clock_.
  last_evaluation_ = std::chrono::steady_clock::now();
  auto states = evaluator_->Evaluate(snapshot_, now);
  for (const auto& s : states) {
    if (s.change == rules::StateChange::kFired) metrics_.RecordRuleMatch(s.rule);
  }
  auto events = book_.Apply(states, evaluator_->rules(), now);
  if (events.empty()) {
    FlushPending();  // events a failed write left behind
    return;
  }
  for (const auto& e : events) {
    logger_->info("incident {}{}: {}: {}", e.key.rule, e.key.group_key.empty() ? "" : " " + e.key.group_key,
                  ToString(e.kind), e.message);
  }
  Persist(std::move(events));
  UpdateOpenGauge();
}

// Events go to the store in order, one job (one transaction) at a time: a failed job's events
// stay first in line and are retried with the next flush, so no event overtakes an older one.
void IncidentManager::Persist(std::vector<IncidentEvent> events) {
  pending_.insert(pending_.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  if (pending_.size() > kMaxPendingEvents) {
    logger_->error("the store has not accepted incident events for a while; dropping the {} oldest",
                   pending_.size() - kMaxPendingEvents);
    pending_.erase(pending_.begin(), pending_.end() - kMaxPendingEvents);
  }
  FlushPending();
}

void IncidentManager::FlushPending() {
  if (persisting_ || pending_.empty()) return;
  persisting_ = true;
  auto batch = std::make_shared<std::vector<IncidentEvent>>(std::move(pending_));
  auto ids = std::make_shared<std::vector<store::IncidentId>>(batch->size(), 0);
  pending_.clear();
  writer_.Submit(
      [batch, ids](store::Store& s) -> store::Status {
        for (size_t i = 0; i < batch->size(); ++i) {
          if (auto st = WriteEvent(s, (*batch)[i], (*ids)[i]); !st) return st;
        }
        return {};
      },
      [this, batch, ids](store::Status status) {
        persisting_ = false;
        if (status) {
          for (size_t i = 0; i < batch->size(); ++i) {
            const IncidentEvent& e = (*batch)[i];
            if (e.kind == IncidentEvent::Kind::kResolved) {
              ids_.erase(e.key);
            } else {
              ids_[e.key] = (*ids)[i];
            }
            if (observer_) observer_(e, (*ids)[i]);
          }
          FlushPending();
          return;
        }
        // Retried at the next tick, not at once: the store is failing.
        logger_->error("could not record {} incident events (will retry): {}", batch->size(), status.error().message);
        pending_.insert(pending_.begin(), batch->begin(), batch->end());
      });
}

void IncidentManager::SetEventObserver(std::function<void(const IncidentEvent&, store::IncidentId)> observer) {
  observer_ = std::move(observer);
}

std::optional<IncidentManager::View> IncidentManager::Find(const IncidentKey& key) const {
  auto it = book_.open().find(key);
  if (it == book_.open().end()) return std::nullopt;
  View v;
  if (auto id = ids_.find(key); id != ids_.end()) v.id = id->second;
  v.matching = it->second.matching;
  v.suppressed_by = it->second.suppressed_by;
  v.group_labels = it->second.group_labels;
  v.severity = it->second.severity;
  v.opened_at = it->second.opened_at;
  return v;
}

std::optional<IncidentKey> IncidentManager::KeyOf(store::IncidentId id) const {
  for (const auto& [key, stored] : ids_) {
    if (stored == id) return key;
  }
  return std::nullopt;
}

bool IncidentManager::ConditionHolds(const IncidentKey& key, const rules::Condition& condition) const {
  auto it = book_.open().find(key);
  if (it == book_.open().end()) return false;
  rules::GroupScope scope;
  for (const auto& rule : evaluator_->rules()) {
    if (rule.name == key.rule) scope.group_by = rule.group_by;
  }
  scope.group = rules::ProjectLabels(it->second.group_labels, scope.group_by);
  return rules::EvaluateCondition(condition, snapshot_, scope, clock_.WallNow()).holds;
}

IncidentManager::ProbeCounts IncidentManager::CountProbes() const {
  ProbeCounts counts;
  for (const auto& [name, signal] : snapshot_.probes) {
    // A probe that has not run yet says nothing of the observer: as "unknown" it would freeze
    // every action, and page, at each start before the first results arrive.
    if (!signal.last_reason) continue;
    switch (signal.state) {
      case ProbeStatus::kHealthy:
        ++counts.healthy;
        break;
      case ProbeStatus::kUnhealthy:
        ++counts.unhealthy;
        break;
      case ProbeStatus::kUnknown:
        ++counts.unknown;
        break;
    }
  }
  return counts;
}

int IncidentManager::UnhealthySignals() const {
  return CountProbes().unhealthy + static_cast<int>(snapshot_.alerts.size());
}

void IncidentManager::UpdateOpenGauge() {
  std::map<std::string, double> by_severity;
  for (const auto& name : rules::SeverityNames()) by_severity[name] = 0;
  for (const auto& [key, incident] : book_.open()) by_severity[std::string(rules::ToString(incident.severity))] += 1;
  for (const auto& [severity, count] : by_severity) metrics_.SetIncidentsOpen(severity, count);
}

void IncidentManager::ListIncidents(store::IncidentFilter filter,
                                    std::function<void(store::Result<std::vector<store::IncidentRecord>>)> done) {
  auto result = std::make_shared<std::optional<store::Result<std::vector<store::IncidentRecord>>>>();
  writer_.Submit(
      [filter, result](store::Store& s) -> store::Status {
        *result = s.ListIncidents(filter);
        return {};
      },
      [result, done = std::move(done)](store::Status status) {
        if (!status) return done(status.error());
        done(std::move(**result));
      });
}

void IncidentManager::GetIncident(store::IncidentId id,
                                  std::function<void(store::Result<std::optional<store::IncidentDetail>>)> done) {
  auto result = std::make_shared<std::optional<store::Result<std::optional<store::IncidentDetail>>>>();
  writer_.Submit(
      [id, result](store::Store& s) -> store::Status {
        *result = s.GetIncident(id);
        return {};
      },
      [result, done = std::move(done)](store::Status status) {
        if (!status) return done(status.error());
        done(std::move(**result));
      });
}

}  // namespace runbookd
