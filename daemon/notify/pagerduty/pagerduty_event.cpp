#include "daemon/notify/pagerduty/pagerduty_event.hpp"

#include <boost/json/array.hpp>

#include "daemon/notify/endpoint.hpp"

namespace runbookd::notify::pagerduty {

namespace json = boost::json;

namespace {

constexpr size_t kSummaryMax = 1024;
constexpr size_t kDedupKeyMax = 255;
// An incident whose severity the map does not know still pages: over-paging is the safer mistake.
constexpr std::string_view kUnmappedSeverity = "critical";

std::string Label(const Notification& n, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    for (const auto& [label, value] : n.labels) {
      if (label == name && !value.empty()) return value;
    }
  }
  return {};
}

void PutIfSet(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

json::object CustomDetails(const Notification& n, const RenderedMessage& message) {
  json::object d;
  d["kind"] = ToString(n.kind);
  if (n.incident_id > 0) d["incident_id"] = n.incident_id;
  PutIfSet(d, "rule", n.rule);
  PutIfSet(d, "severity", n.severity);
  PutIfSet(d, "state", n.state);
  PutIfSet(d, "summary", n.summary);
  PutIfSet(d, "details", message.text);
  if (!n.labels.empty()) {
    json::object labels;
    for (const auto& [name, value] : n.labels) labels[name] = value;
    d["labels"] = std::move(labels);
  }
  PutIfSet(d, "opened_at", FormatTime(n.opened_at));
  PutIfSet(d, "action", n.action);
  PutIfSet(d, "plan_summary", n.plan_summary);
  if (n.approval_id) d["approval_id"] = *n.approval_id;
  if (n.approval_expires_at) d["approval_expires_at"] = FormatTime(*n.approval_expires_at);
  PutIfSet(d, "outcome", n.outcome);
  PutIfSet(d, "note", n.text);
  PutIfSet(d, "incident_url", n.incident_url);
  return d;
}

}  // namespace

std::string_view ToString(EventAction action) {
  switch (action) {
    case EventAction::kNone:
      return "none";
    case EventAction::kTrigger:
      return "trigger";
    case EventAction::kResolve:
      return "resolve";
    case EventAction::kAcknowledge:
      return "acknowledge";
  }
  return "none";
}

EventAction EventActionFor(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kOpened:
    case NotificationKind::kEscalated:
    case NotificationKind::kApprovalRequested:
      return EventAction::kTrigger;
    case NotificationKind::kResolved:
      return EventAction::kResolve;
    case NotificationKind::kAcknowledged:
      return EventAction::kAcknowledge;
    case NotificationKind::kUpdate:
    case NotificationKind::kActionTaken:
      return EventAction::kNone;
  }
  return EventAction::kNone;
}

std::map<std::string, std::string, std::less<>> DefaultSeverityMap() {
  return {{"critical", "critical"}, {"high", "error"}, {"warning", "warning"}, {"info", "info"}};
}

std::string DedupKey(const Notification& n) {
  std::string key = n.dedup_key.empty() ? "runbookd-incident-" + std::to_string(n.incident_id) : n.dedup_key;
  if (key.size() > kDedupKeyMax) key.resize(kDedupKeyMax);
  return key;
}

std::optional<json::object> MakeEvent(const Notification& n, const EventSettings& settings) {
  const EventAction action = EventActionFor(n.kind);
  if (action == EventAction::kNone) return std::nullopt;
  json::object event;
  event["routing_key"] = settings.routing_key.Reveal();
  event["event_action"] = ToString(action);
  event["dedup_key"] = DedupKey(n);
  // PagerDuty needs nothing more to resolve or acknowledge the alert the dedup key names.
  if (action == EventAction::kResolve || action == EventAction::kAcknowledge) return event;

  const RenderedMessage message = settings.templates.Render(n);
  const auto severity = settings.severity_map.find(n.severity);
  json::object payload;
  payload["summary"] = Truncate(message.title.empty() ? n.summary : message.title, kSummaryMax);
  payload["source"] = "runbookd";
  payload["severity"] = severity == settings.severity_map.end() ? kUnmappedSeverity : severity->second;
  PutIfSet(payload, "timestamp", FormatTime(n.at));
  PutIfSet(payload, "component", Label(n, {"component", "service", "deployment"}));
  PutIfSet(payload, "group", Label(n, {"group", "namespace"}));
  PutIfSet(payload, "class", n.rule);
  payload["custom_details"] = CustomDetails(n, message);
  event["payload"] = std::move(payload);
  event["client"] = "runbookd";
  if (!n.incident_url.empty()) {
    event["client_url"] = n.incident_url;
    event["links"] = json::array{json::object{{"href", n.incident_url}, {"text", "runbookd incident"}}};
  }
  return event;
}

}  // namespace runbookd::notify::pagerduty
