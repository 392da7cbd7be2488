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
  n.opened_at = t.progress.opened_at;
  if (n.at == WallTime{}) n.at = clock_.WallNow();
}

void NotifyHub::OnIncidentEvent(const IncidentEvent& event, store::IncidentId id) {
  if (event.kind == IncidentEvent::Kind::kOpened) {
    Tracked t;
    t.key = event.key;
    t.severity = std::string(rules::ToString(event.severity));
    for (const auto& [k, v] : event.group_labels) t.labels.emplace_back(k, v);
    t.progress.severity = t.severity;
    t.progress.opened_at = event.opened_at;
    t.progress.last_update_at = event.at;
    auto& tracked = incidents_[id] = std::move(t);
    Notification n;
    n.kind = NotificationKind::kOpened;
    n.incident_id = id;
    n.state = "open";
    n.summary = event.key.rule + ": " + event.message;
    n.at = event.at;
    // The first rung (and any others already due) goes now; without a ladder, everyone.
    auto due = gates::DueSteps(escalation_, tracked.progress, event.at);
    if (due.empty() && !escalation_.LadderFor(tracked.severity)) {
      Send(n, AllNames(), &tracked);
      return;
    }
    std::vector<std::string> recipients;
    for (const auto& step : due) {
      AddUnique(recipients, step.step.notify);
      tracked.progress.steps_sent = step.index + 1;
    }
    Send(n, recipients, &tracked);
    return;
  }
  if (event.kind != IncidentEvent::Kind::kResolved) return;
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  Notification n;
  n.kind = NotificationKind::kResolved;
  n.incident_id = id;
  n.state = "resolved";
  n.summary = event.key.rule + ": " + event.message;
  n.at = event.at;
  n.duration = std::chrono::duration_cast<std::chrono::seconds>(event.at - it->second.progress.opened_at);
  if (!it->second.last_action.empty()) n.root_cause = "resolved after " + it->second.last_action;
  Send(n, it->second.told.empty() ? AllNames() : it->second.told, &it->second);
  incidents_.erase(it);
}

void NotifyHub::Restore(store::IncidentId id, const IncidentKey& key, const std::string& severity,
                        std::vector<std::pair<std::string, std::string>> labels, WallTime opened_at) {
  Tracked t;
  t.key = key;
  t.severity = severity;
  t.labels = std::move(labels);
  t.progress.severity = severity;
  t.progress.opened_at = opened_at;
  t.progress.last_update_at = clock_.WallNow();
  // What the ladder would have sent by now was sent by the previous run.
  t.progress.steps_sent = gates::DueSteps(escalation_, t.progress, clock_.WallNow()).size();
  incidents_[id] = std::move(t);
}

void NotifyHub::Notify(Notification n) {
  auto it = incidents_.find(n.incident_id);
  if (it == incidents_.end()) {
    // Outside any tracked incident (a manual run, a freeze): everyone hears of it, each under a
    // key of its own so that PagerDuty never folds unrelated pages into one.
    if (n.at == WallTime{}) n.at = clock_.WallNow();
    const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(n.at.time_since_epoch()).count();
    n.dedup_key = n.approval_id
                      ? "runbookd-approval-" + std::to_string(*n.approval_id)
                      : "runbookd-" + std::string(ToString(n.kind)) + "-" + n.action + "-" + std::to_string(at);
    Send(n, AllNames(), nullptr);
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
