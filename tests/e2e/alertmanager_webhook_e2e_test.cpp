// e2e: a real Alertmanager 0.25 routes to runbookd's webhook with bearer auth read from a
// credentials_file and send_resolved: true. An alert injected through Alertmanager's API v2 opens
// an incident; the same alert posted again with endsAt in the past resolves it.

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/am_e2e_support.hpp"
#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

const char* kWebhookToken = "am-webhook-token-5f0c2a9e41d7";
const char* kReaderToken = "am-reader-token-93be07d1c4a6";

std::string Config(const std::string& webhook_token_file, const std::string& reader_token_file) {
  return "log: { level: debug }\n"
         "auth:\n"
         "  tokens:\n"
         "    - { name: alertmanager, role: webhook, token_file: " +
         webhook_token_file +
         " }\n"
         "    - { name: tests, role: reader, token_file: " +
         reader_token_file +
         " }\n"
         "rules:\n"
         "  - name: CheckoutDown\n"
         "    severity: critical\n"
         "    when: { alert: { alertname: E2eCheckoutDown } }\n"
         "    resolve_after: 0s\n";
}

}  // namespace

TEST_CASE("Alertmanager routes an alert to runbookd: the incident opens and resolves with the alert",
          "[e2e][alertmanager]") {
  TempDir dir;
  const std::string webhook_token_file = WriteToken(dir, "webhook", kWebhookToken);
  E2eRunbookd rb(dir, Config(webhook_token_file, WriteToken(dir, "reader", kReaderToken)));
  {
    const bool ready = rb.WaitReady();
    INFO("runbookd log:\n" << rb.Log());
    REQUIRE(ready);
  }

  // The webhook really needs the bearer token: without it (or with another one) runbookd refuses.
  const std::string probe_body = WebhookPayload({});
  CHECK(HttpPost(rb.port(), "/api/v1/alerts", probe_body).status == 401);
  CHECK(HttpPost(rb.port(), "/api/v1/alerts", probe_body, Bearer("not-the-token")).status == 401);

  AlertmanagerPeer am(dir, AlertmanagerConfigForRunbookd(rb.port(), webhook_token_file));
  // The logs of both, as they are when a check fails.
  auto logs = [&] { return "runbookd log:\n" + rb.Log() + "\nalertmanager log:\n" + am.Log(); };
  {
    const bool ready = am.WaitReady();
    INFO(logs());
    REQUIRE(ready);
  }

  const std::map<std::string, std::string> labels{
      {"alertname", "E2eCheckoutDown"}, {"service", "checkout"}, {"severity", "critical"}};
  const WallPoint starts_at = TruncateToMillis(std::chrono::system_clock::now() - 5s);
  HttpReply injected = am.PostAlerts("[" + AmApiAlert(labels, starts_at) + "]");
  INFO("POST /api/v2/alerts: " << injected.status << " " << injected.body << injected.error);
  REQUIRE(injected.status == 200);

  // Opened: exactly one incident of the rule, whose timeline names the alert.
  std::vector<IncidentView> incidents;
  std::string why;
  const bool opened = PollUntil(
      [&] {
        auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
        if (!list) return false;
        incidents = *list;
        return !incidents.empty();
      },
      20s);
  INFO("incidents:\n" << Describe(incidents) << why);
  INFO(logs());
  REQUIRE(opened);
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0].rule == "CheckoutDown");
  CHECK(incidents[0].state == "open");
  CHECK(incidents[0].severity == "critical");
  const int64_t id = incidents[0].id;
  {
    // The alert Alertmanager holds (its fingerprint is Alertmanager's) is the one in the timeline.
    auto am_alerts = AmAlerts(am.port(), &why);
    REQUIRE(am_alerts);
    REQUIRE(am_alerts->size() == 1);
    const std::string fingerprint = am_alerts->front().fingerprint;
    auto detail = GetIncident(rb.port(), kReaderToken, id, &why);
    INFO(why);
    REQUIRE(detail);
    INFO("incident:\n" << Describe({*detail}) << "Alertmanager's fingerprint: " << fingerprint);
    CHECK(TimelineNamesAlert(*detail, fingerprint));
  }
  // It came through Alertmanager with the token of the credentials_file.
  CHECK(rb.Log().find("token=alertmanager") != std::string::npos);
  const auto metrics = rb.Metrics();
  CHECK(SumSamples(metrics, "runbookd_alerts_received_total", {{"status", "firing"}}) >= 1);
  CHECK(SumSamples(metrics, "runbookd_incidents_open", {{"severity", "critical"}}) == 1);

  // Resolve it in Alertmanager: the same alert (same labels and startsAt) with endsAt in the past.
  // Alertmanager sends the resolved notification at the next group_interval flush.
  HttpReply resolved = am.PostAlerts("[" + AmApiAlert(labels, starts_at, std::chrono::system_clock::now() - 1s) + "]");
  INFO("POST /api/v2/alerts (resolve): " << resolved.status << " " << resolved.body << resolved.error);
  REQUIRE(resolved.status == 200);

  const bool closed = PollUntil(
      [&] {
        auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
        if (!list) return false;
        incidents = *list;
        return incidents.size() == 1 && incidents[0].state == "resolved";
      },
      20s);
  INFO("incidents after resolving:\n" << Describe(incidents) << why);
  INFO("after resolving, " << logs());
  CHECK(closed);
  CHECK(incidents.size() == 1);
  if (!incidents.empty()) CHECK(incidents[0].id == id);
  const auto after = rb.Metrics();
  CHECK(SumSamples(after, "runbookd_alerts_received_total", {{"status", "resolved"}}) >= 1);
  CHECK(SumSamples(after, "runbookd_incidents_open") == 0);
  // No open incident is left in the default listing.
  auto open = ListIncidents(rb.port(), kReaderToken, false, &why);
  REQUIRE(open);
  CHECK(open->empty());
}
