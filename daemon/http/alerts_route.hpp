#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/http/alertmanager_webhook.hpp"
#include "daemon/http/router.hpp"
#include "daemon/store/error.hpp"
#include "daemon/store/records.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::http {

// Where the alerts of one webhook go: stores them all in one transaction and calls `done` exactly
// once, on the handler's event loop, after the durable commit (Ok) or with the store's error.
// The daemon wires IncidentManager::IngestAlerts here.
using AlertSink = std::function<void(std::vector<store::AlertRecord> alerts, std::function<void(store::Status)> done)>;

// Adds `n` to runbookd_alerts_received_total{status} (status "firing" or "resolved").
using AlertsReceivedCounter = std::function<void(std::string_view status, size_t n)>;

struct AlertsRouteOptions {
  // Called after a successful commit only, once per status present in the webhook; may be empty.
  AlertsReceivedCounter count_received;
  // The time stamped on the alerts as seen_at; empty: the system clock.
  std::function<WallTime()> wall_now;
  WebhookLimits limits;
};

// POST /api/v1/alerts (route it with Role::kWebhook), Alertmanager's webhook receiver v4:
// - 415 unsupported_media_type unless Content-Type is application/json (parameters allowed);
// - 400 invalid_payload {"error": "<JSON path>: <message>"} for a payload ParseAlertmanagerWebhook
//   refuses (Alertmanager does not retry 4xx: resending the same bytes cannot help);
// - 200 {"status": "stored", "alerts": N} only once the sink reports the commit; an empty
//   `alerts` array has nothing to commit and is answered at once;
// - 503 store_unavailable when the store failed (Alertmanager retries 5xx; the store is
//   idempotent on fingerprint + startsAt), with Retry-After: 1 when the writer's queue was full;
//   400 invalid_payload when the store refused the alerts as invalid (kInvalidArgument).
// Logs never carry annotations (they can hold anything) nor the Authorization header.
Handler MakeAlertsHandler(AlertSink sink, std::shared_ptr<spdlog::logger> log, AlertsRouteOptions options = {});

}  // namespace runbookd::http
