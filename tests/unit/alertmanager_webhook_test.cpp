// ParseAlertmanagerWebhook against what Alertmanager 0.25 sends (reference/protocol-facts.md §4)
// and against malformed payloads, each of which must name the JSON path that is wrong.

#include "daemon/http/alertmanager_webhook.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace runbookd::http {
namespace {

using namespace std::chrono;
using namespace std::string_literals;

// Exactly as a real Alertmanager 0.25 delivered it (protocol-facts §4).
const std::string kExample =
    R"({"receiver":"hook","status":"firing",)"
    R"("alerts":[{"status":"firing","labels":{"alertname":"KafkaUnderReplicated","cluster":"prod","severity":"critical"},)"
    R"("annotations":{"runbook":"rb-1","summary":"ISR shrink"},)"
    R"("startsAt":"2026-11-22T22:30:16.85563234Z","endsAt":"0001-01-01T00:00:00Z",)"
    R"("generatorURL":"http://prom:9090/graph?g0.expr=x","fingerprint":"725cd57bece34f10"}],)"
    R"("groupLabels":{"alertname":"KafkaUnderReplicated"},)"
    R"("commonLabels":{"alertname":"KafkaUnderReplicated","cluster":"prod","severity":"critical"},)"
    R"("commonAnnotations":{"runbook":"rb-1","summary":"ISR shrink"},)"
    R"("externalURL":"http://vm:28520","version":"4","groupKey":"{}:{alertname=\"KafkaUnderReplicated\"}","truncatedAlerts":0})";

const WallTime kReceivedAt = sys_days{2026y / November / 22} + 22h + 30min + 20s;

// A webhook around `alerts` (the inside of the array).
std::string Webhook(const std::string& alerts) {
  return R"({"version":"4","receiver":"hook","status":"firing","groupKey":"{}:{}","alerts":[)" + alerts + "]}";
}

// One alert whose field `field` is replaced by `json` (or left out when `json` is empty).
std::string Alert(const std::string& field = "", const std::string& json = "") {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"status", R"("firing")"},
      {"labels", R"({"alertname":"A","severity":"critical"})"},
      {"annotations", R"({"summary":"s"})"},
      {"startsAt", R"("2026-11-22T22:30:16Z")"},
      {"endsAt", R"("0001-01-01T00:00:00Z")"},
      {"generatorURL", R"("http://prom/graph")"},
      {"fingerprint", R"("0123456789abcdef")"},
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    const std::string& v = name == field ? json : value;
    if (v.empty()) continue;
    out += (out.empty() ? "{" : ",") + ("\"" + name + "\":") + v;
  }
  return out + "}";
}

AlertmanagerWebhook ParseOk(const std::string& body) {
  auto parsed = ParseAlertmanagerWebhook(body, kReceivedAt);
  INFO(body);
  INFO((parsed ? "" : parsed.error().ToString()));
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

std::string ErrorOf(const std::string& body, WebhookLimits limits = {}) {
  auto parsed = ParseAlertmanagerWebhook(body, kReceivedAt, limits);
  INFO(body);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().ToString();
}

WallTime StartsAtOf(const std::string& starts_at) {
  return ParseOk(Webhook(Alert("startsAt", "\"" + starts_at + "\""))).alerts.at(0).starts_at;
}

}  // namespace

TEST_CASE("the example Alertmanager 0.25 delivered parses to the right record", "[webhook]") {
  const AlertmanagerWebhook webhook = ParseOk(kExample);
  CHECK(webhook.receiver == "hook");
  CHECK(webhook.status == store::AlertStatus::kFiring);
  CHECK(webhook.group_key == "{}:{alertname=\"KafkaUnderReplicated\"}");
  CHECK(webhook.group_labels == store::Labels{{"alertname", "KafkaUnderReplicated"}});
  CHECK(webhook.common_labels.size() == 3);
  CHECK(webhook.common_annotations == store::Labels{{"runbook", "rb-1"}, {"summary", "ISR shrink"}});
  CHECK(webhook.external_url == "http://vm:28520");
  CHECK(webhook.truncated_alerts == 0);

  REQUIRE(webhook.alerts.size() == 1);
  const store::AlertRecord& alert = webhook.alerts[0];
  CHECK(alert.fingerprint == "725cd57bece34f10");
  CHECK(alert.status == store::AlertStatus::kFiring);
  CHECK(alert.labels ==
        store::Labels{{"alertname", "KafkaUnderReplicated"}, {"cluster", "prod"}, {"severity", "critical"}});
  CHECK(alert.annotations == store::Labels{{"runbook", "rb-1"}, {"summary", "ISR shrink"}});
  // Full precision: the store truncates to the millisecond, the parser does not.
  CHECK(alert.starts_at == sys_days{2026y / November / 22} + 22h + 30min + 16s + 855632340ns);
  CHECK_FALSE(alert.ends_at.has_value());  // Go's zero time while firing
  CHECK(alert.generator_url == "http://prom:9090/graph?g0.expr=x");
  CHECK(alert.receiver == "hook");
  CHECK(alert.group_key == webhook.group_key);
  CHECK(alert.seen_at == kReceivedAt);
}

TEST_CASE("a resolved alert keeps its real endsAt, offsets included", "[webhook]") {
  const AlertmanagerWebhook webhook =
      ParseOk(Webhook(Alert("status", R"("resolved")") + "," + Alert("endsAt", R"("2026-11-22T23:35:01.5+01:00")")));
  REQUIRE(webhook.alerts.size() == 2);
  CHECK(webhook.alerts[0].status == store::AlertStatus::kResolved);
  CHECK_FALSE(webhook.alerts[0].ends_at.has_value());  // stored as sent; the store uses seen_at then
  CHECK(webhook.alerts[1].status == store::AlertStatus::kFiring);
  REQUIRE(webhook.alerts[1].ends_at.has_value());
  CHECK(*webhook.alerts[1].ends_at == sys_days{2026y / November / 22} + 22h + 35min + 1s + 500ms);
}

TEST_CASE("the regex-escaped receiver name is kept as received", "[webhook]") {
  // Alertmanager sends regexp.QuoteMeta("team.db+ops"); in JSON text each backslash is doubled.
  std::string body = kExample;
  body.replace(body.find(R"("receiver":"hook")"), 17, R"("receiver":"team\\.db\\+ops")");
  const AlertmanagerWebhook webhook = ParseOk(body);
  CHECK(webhook.receiver == R"(team\.db\+ops)");
  CHECK(webhook.alerts.at(0).receiver == R"(team\.db\+ops)");
}

TEST_CASE("without a fingerprint the parser computes the one Alertmanager would send", "[webhook]") {
  std::string body = kExample;
  const std::string fingerprint = R"(,"fingerprint":"725cd57bece34f10")";
  body.erase(body.find(fingerprint), fingerprint.size());
  CHECK(ParseOk(body).alerts.at(0).fingerprint == "725cd57bece34f10");
  CHECK(AlertFingerprint({}) == "cbf29ce484222325");  // FNV-1a's offset basis, as Go's emptyLabelSignature
  CHECK(AlertFingerprint({{"a", "b"}}) != AlertFingerprint({{"a", ""}, {"b", ""}}));
}

TEST_CASE("unknown fields are ignored and null optional fields count as absent", "[webhook]") {
  const AlertmanagerWebhook webhook =
      ParseOk(R"({"version":"4","futureField":{"x":[1,2]},"groupLabels":null,"receiver":null,"alerts":[)"
              R"({"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-22T22:30:16Z","annotations":null,)"
              R"("endsAt":null,"generatorURL":null,"silencedBy":["x"]}]})");
  CHECK(webhook.receiver.empty());
  CHECK_FALSE(webhook.status.has_value());
  REQUIRE(webhook.alerts.size() == 1);
  CHECK(webhook.alerts[0].annotations.empty());
  CHECK_FALSE(webhook.alerts[0].ends_at.has_value());
  CHECK(webhook.alerts[0].generator_url.empty());
  CHECK(webhook.alerts[0].fingerprint == AlertFingerprint({{"a", "b"}}));
}

TEST_CASE("an empty alerts array and group fields of every kind parse", "[webhook]") {
  const AlertmanagerWebhook webhook =
      ParseOk(R"({"version":"4","status":"resolved","truncatedAlerts":3,"externalURL":"http://am","alerts":[]})");
  CHECK(webhook.alerts.empty());
  CHECK(webhook.status == store::AlertStatus::kResolved);
  CHECK(webhook.truncated_alerts == 3);
  CHECK(webhook.external_url == "http://am");
}

TEST_CASE("RFC 3339 times are read to the nanosecond", "[webhook]") {
  const WallTime base = sys_days{2026y / November / 22} + 22h + 30min + 16s;
  CHECK(StartsAtOf("2026-11-22T22:30:16Z") == base);
  CHECK(StartsAtOf("2026-11-22T22:30:16.1Z") == base + 100ms);
  CHECK(StartsAtOf("2026-11-22T22:30:16.000000001Z") == base + 1ns);
  CHECK(StartsAtOf("2026-11-22T22:30:16.999999999Z") == base + 999999999ns);
  CHECK(StartsAtOf("2026-11-23T00:00:16+01:30") == base);
  CHECK(StartsAtOf("2026-11-22T20:30:16-02:00") == base);
  CHECK(StartsAtOf("2026-11-22t22:30:16z") == base);
  CHECK(StartsAtOf("2024-02-29T00:00:00Z") == sys_days{2024y / February / 29});
  CHECK(StartsAtOf("1970-01-01T00:00:00Z") == WallTime{});
  CHECK(StartsAtOf("1969-12-31T23:59:59.5Z") == WallTime{} - 500ms);
}

TEST_CASE("malformed payloads give the JSON path and what is wrong there", "[webhook]") {
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      // Not JSON at all, or not an object.
      {"", "$: invalid JSON at byte 0: incomplete JSON"},
      {R"({"version":"4")", "$: invalid JSON at byte 14: incomplete JSON"},
      {R"({"version": "4", "alerts": [tru]})", "$: invalid JSON at byte 28: syntax error"},
      {R"({"version":"4","alerts":[]} x)", "$: invalid JSON at byte 28: extra data"},
      {R"({"version":"4","alerts":[],})", "$: invalid JSON at byte 27: syntax error"},
      {"{\"version\":\"4\",\"receiver\":\"\xff\",\"alerts\":[]}", "$: invalid JSON at byte 27: syntax error"},
      {"[]", "$: expected a JSON object"},
      {R"("alerts")", "$: expected a JSON object"},
      // Version.
      {R"({"alerts":[]})", "$.version: missing required field"},
      {R"({"version":4,"alerts":[]})", "$.version: expected a string"},
      {R"({"version":"3","alerts":[]})",
       R"($.version: unsupported webhook version "3" (runbookd understands version 4))"},
      // Group fields.
      {R"({"version":"4","receiver":7,"alerts":[]})", "$.receiver: expected a string"},
      {R"({"version":"4","status":"pending","alerts":[]})",
       R"($.status: expected "firing" or "resolved", got "pending")"},
      {R"({"version":"4","groupLabels":{"a":1},"alerts":[]})", "$.groupLabels.a: expected a string"},
      {R"({"version":"4","commonAnnotations":[],"alerts":[]})", "$.commonAnnotations: expected an object of strings"},
      {R"({"version":"4","truncatedAlerts":-1,"alerts":[]})", "$.truncatedAlerts: expected a non-negative integer"},
      {R"({"version":"4","truncatedAlerts":"0","alerts":[]})", "$.truncatedAlerts: expected a non-negative integer"},
      // The alerts array.
      {R"({"version":"4"})", "$.alerts: missing required field"},
      {R"({"version":"4","alerts":{}})", "$.alerts: expected an array"},
      {R"({"version":"4","alerts":null})", "$.alerts: expected an array"},
      {Webhook(Alert() + ",\"x\""), "$.alerts[1]: expected an object"},
      // One alert's fields.
      {Webhook(Alert("status", "")), "$.alerts[0].status: missing required field"},
      {Webhook(Alert("status", R"("pending")")),
       R"($.alerts[0].status: expected "firing" or "resolved", got "pending")"},
      {Webhook(Alert("status", "true")), "$.alerts[0].status: expected a string"},
      {Webhook(Alert("labels", "")), "$.alerts[0].labels: missing required field"},
      {Webhook(Alert("labels", "{}")), "$.alerts[0].labels: must have at least one label"},
      {Webhook(Alert("labels", R"(["a"])")), "$.alerts[0].labels: expected an object of strings"},
      {Webhook(Alert("labels", R"({"alertname":"A","severity":3})")), "$.alerts[0].labels.severity: expected a string"},
      {Webhook(Alert("labels", R"({"app.kubernetes.io/name":null})")),
       R"($.alerts[0].labels["app.kubernetes.io/name"]: expected a string)"},
      {Webhook(Alert("labels", R"({"":"x"})")), "$.alerts[0].labels: a label name must not be empty"},
      {Webhook(Alert("annotations", R"("x")")), "$.alerts[0].annotations: expected an object of strings"},
      {Webhook(Alert("annotations", R"({"summary":{"nested":"x"}})")),
       "$.alerts[0].annotations.summary: expected a string"},
      {Webhook(Alert() + "," + Alert() + "," + Alert("startsAt", R"("yesterday")")),
       R"($.alerts[2].startsAt: expected an RFC3339 time, got "yesterday")"},
      {Webhook(Alert("startsAt", "")), "$.alerts[0].startsAt: missing required field"},
      {Webhook(Alert("startsAt", "1700000000")), "$.alerts[0].startsAt: expected an RFC3339 time string"},
      {Webhook(Alert("startsAt", R"("2026-11-22T22:30:16")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T22:30:16")"},
      {Webhook(Alert("startsAt", R"("2026-11-22 22:30:16Z")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22 22:30:16Z")"},
      {Webhook(Alert("startsAt", R"("2026-11-22T22:30:16.Z")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T22:30:16.Z")"},
      {Webhook(Alert("startsAt", R"("2026-11-22T22:30:16.1234567891Z")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T22:30:16.1234567891Z")"},
      {Webhook(Alert("startsAt", R"("2023-02-29T00:00:00Z")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2023-02-29T00:00:00Z")"},
      {Webhook(Alert("startsAt", R"("2026-11-22T24:00:00Z")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T24:00:00Z")"},
      {Webhook(Alert("startsAt", R"("2026-11-22T22:30:16+0100")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T22:30:16+0100")"},
      {Webhook(Alert("startsAt", R"("2026-11-22T22:30:16Z ")")),
       R"($.alerts[0].startsAt: expected an RFC3339 time, got "2026-11-22T22:30:16Z ")"},
      {Webhook(Alert("startsAt", R"("0001-01-01T00:00:00Z")")),
       R"($.alerts[0].startsAt: expected a time between the years 1678 and 2261, got "0001-01-01T00:00:00Z")"},
      {Webhook(Alert("endsAt", R"("soon")")), R"($.alerts[0].endsAt: expected an RFC3339 time, got "soon")"},
      {Webhook(Alert("generatorURL", "[]")), "$.alerts[0].generatorURL: expected a string"},
      {Webhook(Alert("fingerprint", R"("725CD57BECE34F10")")),
       R"($.alerts[0].fingerprint: expected 16 lowercase hex digits, got "725CD57BECE34F10")"},
      {Webhook(Alert("fingerprint", R"("725cd57bece34f1")")),
       R"($.alerts[0].fingerprint: expected 16 lowercase hex digits, got "725cd57bece34f1")"},
      {Webhook(Alert("fingerprint", "12345")), "$.alerts[0].fingerprint: expected a string"},
  };
  for (const Case& c : cases) {
    CHECK(ErrorOf(c.body) == c.error);
  }
}

TEST_CASE("a long offending value is quoted cut short", "[webhook]") {
  const std::string error = ErrorOf(Webhook(Alert("startsAt", "\"" + std::string(500, 'x') + "\"")));
  CHECK(error == "$.alerts[0].startsAt: expected an RFC3339 time, got \"" + std::string(64, 'x') + "\"...");
}

TEST_CASE("too many alerts in one payload are refused before any is read", "[webhook]") {
  CHECK(ErrorOf(Webhook(Alert() + "," + Alert() + "," + Alert()), WebhookLimits{.max_alerts = 2}) ==
        "$.alerts: too many alerts: 3 (at most 2 per request)");

  std::string many = "{}";
  for (int i = 0; i < 10000; ++i) many += ",{}";
  CHECK(ErrorOf(Webhook(many)) == "$.alerts: too many alerts: 10001 (at most 10000 per request)");
}

}  // namespace runbookd::http
