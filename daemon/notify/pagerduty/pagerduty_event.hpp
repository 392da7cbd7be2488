#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/notify/templates.hpp"

// PagerDuty Events API v2 events (reference/protocol-facts.md §9). One dedup_key per incident
// carries trigger → resolve, so the page PagerDuty opened is the one that closes.
namespace runbookd::notify::pagerduty {

enum class EventAction {
  kNone,  // not sent: PagerDuty is for paging, updates and action reports stay in chat
  kTrigger,
  kResolve,
  kAcknowledge,
};
std::string_view ToString(EventAction action);

// opened, escalated and approval_requested trigger; resolved resolves; update and action_taken
// are not sent.
EventAction EventActionFor(NotificationKind kind);

struct EventSettings {
  config::Secret routing_key;
  // runbookd severity (critical, high, warning, info) → PagerDuty's (critical, error, warning,
  // info). The spec's severity_map is merged over the default.
  std::map<std::string, std::string, std::less<>> severity_map;
  Templates templates;
};

// critical → critical, high → error, warning → warning, info → info.
std::map<std::string, std::string, std::less<>> DefaultSeverityMap();

// The event for `n`; nullopt for kinds that are not sent. A trigger's summary is the rendered title
// (at most 1024 bytes), its custom_details the notification's facts and the rendered text.
std::optional<boost::json::object> MakeEvent(const Notification& n, const EventSettings& settings);

// The dedup_key an incident's events share: Notification::dedup_key, else
// "runbookd-incident-<id>"; at most 255 characters.
std::string DedupKey(const Notification& n);

}  // namespace runbookd::notify::pagerduty
