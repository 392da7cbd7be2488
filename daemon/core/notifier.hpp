#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/clock.hpp"

// What the core tells a notifier, and what one attempt to deliver it came to. Notifiers make one
// attempt; the core's retry stage decides about the next (Alertmanager's model).
namespace runbookd {

enum class NotificationKind {
  kOpened,             // initial notice
  kUpdate,             // progress update while open (every N minutes)
  kApprovalRequested,  // an action waits for a human decision
  kActionTaken,        // an action ran (or would have, in dry-run), with its outcome
  kEscalated,          // a step of the escalation ladder, a circuit that opened, a freeze
  kResolved,           // with duration and root cause
  kAcknowledged,       // a human took the incident: the escalation ladder stops
};
std::string_view ToString(NotificationKind kind);  // "opened", "update", ...

// The facts of one notification. Notifiers render them with their templates.
struct Notification {
  NotificationKind kind = NotificationKind::kOpened;
  int64_t incident_id = 0;
  std::string dedup_key;  // one per incident ("runbookd-incident-<id>"): PagerDuty's dedup_key
  std::string rule;
  std::string severity;  // critical, warning, ...
  std::string state;     // open, mitigating, escalated, resolved
  std::string summary;   // one line: what is wrong ("APIEndpointDown: backend-endpoints unhealthy")
  std::vector<std::pair<std::string, std::string>> labels;  // the incident's group labels
  WallTime opened_at;
  WallTime at;                                   // when this happened
  std::optional<std::chrono::seconds> duration;  // resolved: how long it was open
  std::string root_cause;                        // resolved: what fixed it, when known
  std::string action;                            // approval/action: the action's name
  std::string plan_summary;                      // approval/action: what it does
  std::optional<int64_t> approval_id;            // approval: the id buttons and runbookctl use
  std::optional<WallTime> approval_expires_at;
  std::string outcome;       // action: "ok", "conflict", ... and its detail
  std::string text;          // free text (escalation reason, update note)
  std::string incident_url;  // where to look, when the API's public URL is configured
};

struct NotifyContext {
  boost::asio::any_io_executor executor;
  SteadyTime deadline;
};

// One attempt's result. `retryable` for 429, 5xx and network errors; never for other 4xx.
struct NotifyResult {
  bool ok = false;
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
  int http_status = 0;
  std::string detail;  // never contains a URL with a secret in it, a token or a routing key
  // ok, but nothing was sent: the notifier does not carry this kind (PagerDuty and updates)
  bool skipped = false;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual boost::asio::awaitable<NotifyResult> Send(const NotifyContext& ctx, const Notification& n) const = 0;
};

}  // namespace runbookd
