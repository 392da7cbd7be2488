#include "daemon/app/notify_hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>

#include "daemon/engine/daemon_metrics.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::seconds kTick{1};

void AddUnique(std::vector<std::string>& names, const std::vector<std::string>& more) {
  for (const auto& n : more) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
}

}  // namespace

NotifyHub::NotifyHub(asio::any_io_executor executor, const Clock& clock, DaemonMetrics& metrics,
                     std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)), clock_(clock), metrics_(metrics), logger_(std::move(logger)), timer_(executor_) {}

NotifyHub::~NotifyHub() { *alive_ = false; }

void NotifyHub::SetConfig(std::vector<notify::NotifierSettings> notifiers, gates::EscalationSettings escalation,
                          notify::DeliveryPolicy policy) {
  std::map<std::string, std::shared_ptr<const notify::Delivery>> next;
  for (auto& n : notifiers) {
    notify::Delivery::Options options;
    options.policy = policy;
    options.logger = logger_;
    options.on_result = [this, alive = alive_](const std::string& name, std::string_view result) {
      if (*alive) metrics_.RecordNotification(name, result);
    };
    next[n.name] = std::make_shared<const notify::Delivery>(n.notifier, n.name, std::move(options));
  }
  deliveries_ = std::move(next);
  escalation_ = std::move(escalation);
  configured_ = true;
  for (auto& [id, t] : incidents_) {
    if (t.steps_pending) CountStepsSent(t);
  }
}

// What the ladder would have sent by now to an incident an earlier run opened, that run sent.
void NotifyHub::CountStepsSent(Tracked& t) const {
  t.steps_pending = false;
  const auto due = gates::DueSteps(escalation_, t.progress, clock_.WallNow());
  if (!due.empty()) t.progress.steps_sent = due.back().index + 1;
}

void NotifyHub::SetSilenced(std::function<bool(const std::map<std::string, std::string>&)> silenced) {
  silenced_ = std::move(silenced);
}

std::vector<std::string> NotifyHub::AllNames() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : deliveries_) names.push_back(name);
  return names;
}

bool NotifyHub::Silenced(const Tracked& t) const {
  if (!silenced_) return false;
  std::map<std::string, std::string> labels(t.labels.begin(), t.labels.end());
  labels["rule"] = t.key.rule;
  labels["severity"] = t.severity;
  return silenced_(labels);
}

void NotifyHub::Fill(Notification& n, const Tracked& t) const {
  n.dedup_key = "runbookd-incident-" + std::to_string(n.incident_id);
  if (n.rule.empty()) n.rule = t.key.rule;
  n.severity = t.severity;
  n.labels = t.labels;
  n.opened_at = t.opened_at;
  // Pipeline notifications say what happened; the incident's own facts complete them.
  if (n.summary.empty()) n.summary = t.opened_summary;
  if (n.state.empty()) n.state = t.progress.acked_at ? "acknowledged" : "open";
  if (n.at == WallTime{}) n.at = clock_.WallNow();
}

void NotifyHub::OnIncidentEvent(const IncidentEvent& event, store::IncidentId id) {
  if (event.kind == IncidentEvent::Kind::kOpened) {
    Tracked t;
    t.key = event.key;
    t.severity = std::string(rules::ToString(event.severity));
    for (const auto& [k, v] : event.group_labels) t.labels.emplace_back(k, v);
    t.opened_at = event.opened_at;
    t.opened_summary = event.key.rule + ": " + event.message;
    t.suppressed = event.suppressed_by.has_value();
    t.progress.severity = t.severity;
    auto& tracked = incidents_[id] = std::move(t);
    if (tracked.suppressed) {
      logger_->info("incident {} opened while suppressed by {}: its notifications are held", id, *event.suppressed_by);
      return;
    }
    Announce(id, tracked, event.at);
    return;
  }
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  Tracked& t = it->second;
  switch (event.kind) {
    case IncidentEvent::Kind::kSuppressed:
      t.suppressed = true;
      return;
    case IncidentEvent::Kind::kUnsuppressed:
      t.suppressed = false;
      if (!t.announced) Announce(id, t, event.at);
      return;
    case IncidentEvent::Kind::kResolved:
      break;
    default:
      return;
  }
  Notification n;
  n.kind = NotificationKind::kResolved;
  n.incident_id = id;
  n.state = "resolved";
  n.summary = event.key.rule + ": " + event.message;
  n.at = event.at;
  n.duration = std::chrono::duration_cast<std::chrono::seconds>(event.at - t.opened_at);
  if (!t.last_action.empty()) n.root_cause = "resolved after " + t.last_action;
  // Nobody hears of the end of an incident nobody heard of (held, or resolved before the first rung).
  const auto recipients = ResolutionRecipients(t);
  if (!recipients.empty()) Send(n, recipients, &t);
  incidents_.erase(it);
}

// The opening goes up the ladder from now: the first rung (and any others already due) at once;
// without a ladder, everyone.
void NotifyHub::Announce(store::IncidentId id, Tracked& t, WallTime at) {
  t.announced = true;
  t.progress.opened_at = at;
  t.progress.last_update_at = at;
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.incident_id = id;
  n.state = "open";
  n.summary = t.opened_summary;
  n.at = at;
  auto due = gates::DueSteps(escalation_, t.progress, at);
  if (due.empty() && !escalation_.LadderFor(t.severity)) {
    Send(n, AllNames(), &t);
    return;
  }
  std::vector<std::string> recipients;
  for (const auto& step : due) {
    AddUnique(recipients, step.step.notify);
    t.progress.steps_sent = step.index + 1;
  }
  Send(n, recipients, &t);
}

std::vector<std::string> NotifyHub::ResolutionRecipients(const Tracked& t) const {
  if (!t.told.empty() || !t.restored) return t.told;
  // Opened by an earlier run: whoever its ladder had reached (everyone, without a ladder).
  return escalation_.LadderFor(t.severity) ? gates::UpdateRecipients(escalation_, t.progress) : AllNames();
}

void NotifyHub::Restore(store::IncidentId id, const IncidentKey& key, const std::string& severity,
                        std::vector<std::pair<std::string, std::string>> labels, WallTime opened_at,
                        std::optional<WallTime> acknowledged_at) {
  Tracked t;
  t.key = key;
  t.severity = severity;
  t.labels = std::move(labels);
  t.opened_at = opened_at;
  t.opened_summary = key.rule + ": open since before a restart";
  t.announced = true;
  t.restored = true;
  t.progress.severity = severity;
  t.progress.opened_at = opened_at;
  t.progress.last_update_at = clock_.WallNow();
  t.progress.acked_at = acknowledged_at;
  // Restored at start-up before the first config: the ladder is not known yet.
  t.steps_pending = true;
  if (configured_) CountStepsSent(t);
  incidents_[id] = std::move(t);
}

void NotifyHub::Acknowledge(store::IncidentId id, std::string text, WallTime at) {
  auto it = incidents_.find(id);
  if (it == incidents_.end() || it->second.progress.acked_at) return;
  it->second.progress.acked_at = at;
  Notification n;
  n.kind = NotificationKind::kAcknowledged;
  n.incident_id = id;
  n.state = "acknowledged";
  n.summary = it->second.key.rule + ": acknowledged";
  n.text = std::move(text);
  n.at = at;
  Send(n, it->second.told.empty() ? AllNames() : it->second.told, &it->second);
}

std::optional<bool> NotifyHub::acknowledged(store::IncidentId id) const {
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return std::nullopt;
  return it->second.progress.acked_at.has_value();
}

void NotifyHub::Notify(Notification n) {
  auto it = incidents_.find(n.incident_id);
  if (it == incidents_.end()) {
    // Outside any tracked incident (a manual run, a freeze): everyone hears of it, each under a
    // key of its own so that PagerDuty never folds unrelated pages into one.
    if (n.at == WallTime{}) n.at = clock_.WallNow();
    const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(n.at.time_since_epoch()).count();
    if (n.dedup_key.empty()) {
      n.dedup_key = n.approval_id
                        ? "runbookd-approval-" + std::to_string(*n.approval_id)
                        : "runbookd-" + std::string(ToString(n.kind)) + "-" + n.action + "-" + std::to_string(at);
    }
    Send(n, AllNames(), nullptr);
    return;
  }
  if (it->second.suppressed) {
    logger_->info("notification {} of incident {} held: the incident is suppressed", ToString(n.kind), n.incident_id);
    return;
  }
  if (n.kind == NotificationKind::kActionTaken) it->second.last_action = n.action + " (" + n.plan_summary + ")";
  std::vector<std::string> recipients = it->second.told.empty() ? AllNames() : it->second.told;
  Send(n, recipients, &it->second);
}

void NotifyHub::Send(const Notification& original, const std::vector<std::string>& recipients, Tracked* t) {
  Notification n = original;
  if (t) {
    Fill(n, *t);
    if (Silenced(*t)) {
      logger_->info("notification {} of incident {} held: a silence matches", ToString(n.kind), n.incident_id);
      return;
    }
  }
  for (const auto& name : recipients) {
    auto d = deliveries_.find(name);
    if (d == deliveries_.end()) continue;
    if (t) AddUnique(t->told, {name});
    ++*in_flight_;
    asio::co_spawn(executor_, d->second->Deliver(n),
                   [delivery = d->second, in_flight = in_flight_, logger = logger_, kind = n.kind](
                       std::exception_ptr e, notify::DeliveryOutcome out) {
                     --*in_flight;
                     if (e) return;
                     if (!out.ok()) {
                       logger->warn("notifier {}: {} notification not delivered ({}): {}", delivery->name(),
                                    ToString(kind), notify::ToString(out.status), out.detail);
                     }
                   });
  }
}

void NotifyHub::Start() { Tick(); }

void NotifyHub::Stop() {
  *alive_ = false;
  timer_.cancel();
}

void NotifyHub::Tick() {
  if (!*alive_) return;
  const WallTime now = clock_.WallNow();
  for (auto& [id, t] : incidents_) {
    if (t.suppressed || !t.announced || t.steps_pending) continue;
    for (const auto& step : gates::DueSteps(escalation_, t.progress, now)) {
      Notification n;
      n.kind = NotificationKind::kEscalated;
      n.incident_id = id;
      n.summary = t.key.rule + ": still open";
      n.text = "escalation step " + std::to_string(step.index + 1);
      Send(n, step.step.notify, &t);
      t.progress.steps_sent = step.index + 1;
    }
    if (gates::UpdateDue(escalation_, t.progress, now)) {
      Notification n;
      n.kind = NotificationKind::kUpdate;
      n.incident_id = id;
      n.summary = t.key.rule + ": still open";
      Send(n, t.told, &t);
      t.progress.last_update_at = now;
    }
  }
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

}  // namespace runbookd
