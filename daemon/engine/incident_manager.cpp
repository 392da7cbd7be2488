#include "daemon/engine/incident_manager.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "daemon/engine/daemon_metrics.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

// `for` and `resolve_after` are checked at least this often, besides every signal.
constexpr std::chrono::seconds kTickInterval{1};

using IdCell = std::shared_ptr<std::optional<store::IncidentId>>;

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

// One event's writes, run on the writer thread inside the evaluation's transaction.
store::Status WriteEvent(store::Store& s, const IncidentEvent& e, const OpenIncident* opened, const IdCell& cell) {
  if (e.kind == IncidentEvent::Kind::kOpened) {
    auto r = s.OpenIncident(store::NewIncident{e.key.rule, e.key.group_key, opened->group_labels,
                                               std::string(rules::ToString(opened->severity)), e.at});
    if (!r) return r.error();
    *cell = r->id;
  }
  if (!cell->has_value()) return {};  // the incident's opening failed earlier; nothing to attach to
  const store::IncidentId id = **cell;
  if (e.kind == IncidentEvent::Kind::kSuppressed || e.kind == IncidentEvent::Kind::kUnsuppressed) {
    const std::optional<std::string> by =
        e.kind == IncidentEvent::Kind::kSuppressed && opened ? opened->suppressed_by : std::optional<std::string>();
    if (auto st = s.SetSuppressedBy(id, by, e.at); !st) return st;
  }
  if (e.kind == IncidentEvent::Kind::kResolved) {
    if (auto st = s.SetIncidentState(id, store::IncidentState::kResolved, e.at); !st) return st;
  }
  auto t = s.AppendTimeline(store::TimelineEntry{0, id, e.at, e.source, TimelineKindOf(e.kind), e.message, {}});
  if (!t) return t.error();
  return {};
}

}  // namespace

IncidentManager::IncidentManager(asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
                                 DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)),
      clock_(clock),
      writer_(writer),
      metrics_(metrics),
      logger_(std::move(logger)),
      timer_(executor_),
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
    id_cells_[incident.key] = std::make_shared<std::optional<store::IncidentId>>(r.id);
    book_.Restore(std::move(incident), now);
  }
  for (const auto& a : firing) {
    snapshot_.alerts.push_back(rules::AlertSignal{a.record.fingerprint, a.record.starts_at, a.record.labels,
                                                  a.record.annotations, rules::AlertStatus::kFiring});
  }
  UpdateOpenGauge();
}

void IncidentManager::SetRules(std::vector<rules::Rule> rules) {
  auto next = std::make_unique<rules::RuleEvaluator>(std::move(rules));
  next->Inherit(*evaluator_);
  evaluator_ = std::move(next);
  ScheduleEvaluation();
}

void IncidentManager::SetProbes(const std::vector<ScheduledProbe>& probes) {
  std::map<std::string, rules::ProbeSignal> kept;
  probe_labels_.clear();
  for (const auto& p : probes) {
    probe_labels_[p.name] = p.labels;
    rules::ProbeSignal signal;
    if (auto it = snapshot_.probes.find(p.name); it != snapshot_.probes.end()) signal = it->second;
    signal.type = p.type;
    signal.labels = p.labels;
    kept[p.name] = std::move(signal);
  }
  snapshot_.probes = std::move(kept);
  ScheduleEvaluation();
}

void IncidentManager::Start() { Tick(); }

void IncidentManager::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void IncidentManager::Tick() {
  if (stopped_) return;
  Evaluate();
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
  writer_.Submit(
      [batch](store::Store& s) -> store::Status {
        for (const auto& a : *batch) {
          if (auto r = s.UpsertAlert(a); !r) return r.error();
        }
        return {};
      },
      [this, batch, done = std::move(done)](store::Status status) {
        if (status) {
          for (const auto& a : *batch) {
            auto& alerts = snapshot_.alerts;
            std::erase_if(alerts, [&](const rules::AlertSignal& s) {
              return s.fingerprint == a.fingerprint && s.starts_at == a.starts_at;
            });
            if (a.status == store::AlertStatus::kFiring) {
              alerts.push_back(
                  rules::AlertSignal{a.fingerprint, a.starts_at, a.labels, a.annotations, rules::AlertStatus::kFiring});
            }
          }
          ScheduleEvaluation();
        }
        done(std::move(status));
      });
}

void IncidentManager::ScheduleEvaluation() {
  if (evaluation_scheduled_ || stopped_) return;
  evaluation_scheduled_ = true;
  asio::post(executor_, [this] {
    evaluation_scheduled_ = false;
    if (!stopped_) Evaluate();
  });
}

void IncidentManager::Evaluate() {
  const WallTime now = clock_.WallNow();
  auto states = evaluator_->Evaluate(snapshot_, now);
  for (const auto& s : states) {
    if (s.change == rules::StateChange::kFired) metrics_.RecordRuleMatch(s.rule);
  }
  auto events = book_.Apply(states, evaluator_->rules(), now);
  if (events.empty()) return;
  for (const auto& e : events) {
    logger_->info("incident {}{}: {}: {}", e.key.rule, e.key.group_key.empty() ? "" : " " + e.key.group_key,
                  ToString(e.kind), e.message);
  }
  Persist(std::move(events));
  UpdateOpenGauge();
}

// All events of one evaluation go to the store in one job (one transaction).
void IncidentManager::Persist(std::vector<IncidentEvent> events) {
  struct Write {
    IncidentEvent event;
    std::optional<OpenIncident> incident;  // as the book has it now (for opened and suppression)
    IdCell cell;
  };
  auto writes = std::make_shared<std::vector<Write>>();
  for (auto& e : events) {
    IdCell& slot = id_cells_[e.key];
    if (!slot || e.kind == IncidentEvent::Kind::kOpened) slot = std::make_shared<std::optional<store::IncidentId>>();
    IdCell cell = slot;  // a copy: the map entry goes away below when the incident resolves
    std::optional<OpenIncident> incident;
    if (auto it = book_.open().find(e.key); it != book_.open().end()) incident = it->second;
    if (e.kind == IncidentEvent::Kind::kResolved) id_cells_.erase(e.key);
    writes->push_back(Write{std::move(e), std::move(incident), cell});
  }
  writer_.Submit(
      [writes](store::Store& s) -> store::Status {
        for (const auto& w : *writes) {
          if (auto st = WriteEvent(s, w.event, w.incident ? &*w.incident : nullptr, w.cell); !st) return st;
        }
        return {};
      },
      [this](store::Status status) {
        if (!status) logger_->error("could not record incident events: {}", status.error().message);
      });
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
