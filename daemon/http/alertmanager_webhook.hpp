#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/store/records.hpp"

// Alertmanager's webhook receiver payload, version 4, exactly as Alertmanager 0.25 sends it
// (notify/webhook/webhook.go, template/template.go; reference/protocol-facts.md §4).
namespace runbookd::http {

// One notification: a group of alerts that one route of Alertmanager flushed together.
struct AlertmanagerWebhook {
  // Kept as received. Alertmanager escapes it with Go's regexp.QuoteMeta, so a receiver named
  // "team.db" arrives as "team\.db"; it is only shown, never matched, so it is not unescaped.
  std::string receiver;
  std::optional<store::AlertStatus> status;  // of the group; nullopt when the sender left it out
  std::string group_key;                     // e.g. `{}:{alertname="KafkaUnderReplicated"}`
  store::Labels group_labels;
  store::Labels common_labels;
  store::Labels common_annotations;
  std::string external_url;
  uint64_t truncated_alerts = 0;  // alerts Alertmanager left out because of the receiver's max_alerts
  // In payload order; each carries receiver, group_key and seen_at (the time it was received).
  std::vector<store::AlertRecord> alerts;
};

// What is wrong with a payload, and where: `path` is JSONPath-like ("$", "$.version",
// "$.alerts[2].startsAt", `$.alerts[0].labels["app.kubernetes.io/name"]`).
struct WebhookParseError {
  std::string path;
  std::string message;

  // "path: message", the text of the 400 answer.
  std::string ToString() const { return path + ": " + message; }
};

class [[nodiscard]] WebhookParseResult {
 public:
  WebhookParseResult(AlertmanagerWebhook webhook) : data_(std::in_place_index<0>, std::move(webhook)) {}
  WebhookParseResult(WebhookParseError error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }
  AlertmanagerWebhook& value() & { return std::get<0>(data_); }
  const AlertmanagerWebhook& value() const& { return std::get<0>(data_); }
  AlertmanagerWebhook&& value() && { return std::get<0>(std::move(data_)); }
  const WebhookParseError& error() const { return std::get<1>(data_); }

 private:
  std::variant<AlertmanagerWebhook, WebhookParseError> data_;
};

struct WebhookLimits {
  // Bounds the work and the single store transaction one request can cause. Alertmanager sends a
  // whole group in one request unless the receiver sets max_alerts.
  size_t max_alerts = 10000;
};

// Parses and validates one webhook body; never throws on any input (bad_alloc aside).
//
// Required: `version` == "4" (a string), `alerts` (an array), and of each alert `status`
// ("firing" | "resolved"), `labels` (a non-empty object of strings) and `startsAt`.
// Optional, type-checked when present (JSON null counts as absent): the group fields `receiver`,
// `status`, `groupKey`, `groupLabels`, `commonLabels`, `commonAnnotations`, `externalURL`,
// `truncatedAlerts`; of each alert `annotations` (absent: empty), `endsAt`, `generatorURL` and
// `fingerprint`. Fields nobody asked for are ignored, since later Alertmanagers may add some.
//
// Times are RFC 3339 with up to 9 fractional digits and `Z` or a ±hh:mm offset (Go's
// RFC3339Nano), kept to the nanosecond. `endsAt` of Go's zero time (0001-01-01T00:00:00Z, what
// Alertmanager sends while an alert fires) and an absent `endsAt` become nullopt.
//
// `fingerprint` must be 16 lowercase hex digits. Alertmanager always sends it; when a sender
// leaves it out it is computed from the labels with AlertFingerprint, which gives what
// Alertmanager would have sent.
WebhookParseResult ParseAlertmanagerWebhook(std::string_view body, WallTime received_at, WebhookLimits limits = {});

// Prometheus's label-set fingerprint (prometheus/common model.LabelSet.Fingerprint, which
// Alertmanager sends as `fingerprint`): 64-bit FNV-1a over the labels sorted by name, each name
// and value followed by a 0xff byte, as 16 lowercase hex digits.
std::string AlertFingerprint(const store::Labels& labels);

}  // namespace runbookd::http
