#include "daemon/notify/webhook/webhook_payload.hpp"

#include "daemon/notify/hmac.hpp"

namespace runbookd::notify::webhook {

namespace json = boost::json;

namespace {

json::value StringOrNull(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

json::value TimeOrNull(WallTime t) { return StringOrNull(FormatTime(t)); }

}  // namespace

json::object WebhookPayload(const Notification& n, const Templates& templates) {
  const RenderedMessage message = templates.Render(n);
  json::object labels;
  for (const auto& [name, value] : n.labels) labels[name] = value;

  json::object incident;
  incident["id"] = n.incident_id;
  incident["dedup_key"] = n.dedup_key;
  incident["rule"] = n.rule;
  incident["severity"] = n.severity;
  incident["state"] = n.state;
  incident["summary"] = n.summary;
  incident["labels"] = std::move(labels);
  incident["opened_at"] = TimeOrNull(n.opened_at);
  incident["url"] = StringOrNull(n.incident_url);

  json::value action = nullptr;
  if (!n.action.empty()) {
    action = json::object{
        {"name", n.action}, {"plan_summary", StringOrNull(n.plan_summary)}, {"outcome", StringOrNull(n.outcome)}};
  }
  json::value approval = nullptr;
  if (n.approval_id) {
    approval = json::object{{"id", *n.approval_id},
                            {"expires_at", n.approval_expires_at ? TimeOrNull(*n.approval_expires_at) : nullptr}};
  }

  json::object body;
  body["version"] = kPayloadVersion;
  body["kind"] = ToString(n.kind);
  body["at"] = TimeOrNull(n.at);
  body["title"] = message.title;
  body["text"] = message.text;
  body["incident"] = std::move(incident);
  body["duration_seconds"] = n.duration ? json::value(n.duration->count()) : json::value(nullptr);
  body["root_cause"] = StringOrNull(n.root_cause);
  body["action"] = std::move(action);
  body["approval"] = std::move(approval);
  body["note"] = StringOrNull(n.text);
  return body;
}

std::string WebhookSignature(const config::Secret& secret, int64_t unix_seconds, std::string_view raw_body) {
  const std::string timestamp = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(timestamp.size() + 1 + raw_body.size());
  signed_text.append(timestamp).append(".").append(raw_body);
  return "t=" + timestamp + ",v1=" + HmacSha256Hex(secret.Reveal(), signed_text);
}

}  // namespace runbookd::notify::webhook
