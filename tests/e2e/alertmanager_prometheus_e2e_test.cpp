// e2e: the full loop with real peers. runbookd's own `api` probe fails (a refused loopback port);
// real Prometheus 2.42 scrapes runbookd_probe_success, its APIEndpointDown alerting rule fires and
// goes to a real Alertmanager 0.25, which routes it back to runbookd's webhook. The probe signal
// and the alert must land in ONE incident.

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/am_e2e_support.hpp"
#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

const char* kWebhookToken = "prom-loop-webhook-7b21c0e5d9f3";
const char* kReaderToken = "prom-loop-reader-1c8a64fe02b7";

std::string RunbookdConfig(const std::string& webhook_token_file, const std::string& reader_token_file,
                           int refused_port) {
  return "auth:\n"
         "  tokens:\n"
         "    - { name: alertmanager, role: webhook, token_file: " +
         webhook_token_file +
         " }\n"
         "    - { name: tests, role: reader, token_file: " +
         reader_token_file +
         " }\n"
         "probes:\n"
         "  - name: api\n"
         "    type: tcp\n"
         "    interval: 1s\n"
         "    timeout: 500ms\n"
         "    spec: { address: \"127.0.0.1:" +
         std::to_string(refused_port) +
         "\" }\n"
         "rules:\n"
         "  - name: APIEndpointDown\n"
         "    severity: critical\n"
         "    when:\n"
         "      any:\n"
         "        - { probe: api, status: unhealthy }\n"
         "        - { alert: { alertname: APIEndpointDown } }\n"
         "    resolve_after: 10m\n";
}

std::string PrometheusConfig(int runbookd_port, int alertmanager_port) {
  return "global:\n"
         "  scrape_interval: 1s\n"
         "  scrape_timeout: 900ms\n"
         "  evaluation_interval: 1s\n"
         "rule_files: [rules.yml]\n"
         "alerting:\n"
         "  alertmanagers:\n"
         "    - static_configs:\n"
         "        - targets: ['127.0.0.1:" +
         std::to_string(alertmanager_port) +
         "']\n"
         "scrape_configs:\n"
         "  - job_name: runbookd\n"
         "    static_configs:\n"
         "      - targets: ['127.0.0.1:" +
         std::to_string(runbookd_port) + "']\n";
}

const char* kPrometheusRules = R"(groups:
  - name: runbookd
    rules:
      - alert: APIEndpointDown
        expr: runbookd_probe_success{probe="api"} == 0
        for: 0s
        labels: { severity: critical }
        annotations: { summary: "runbookd's api probe fails" }
)";

}  // namespace

TEST_CASE("Prometheus scrapes runbookd and alerts through Alertmanager back to it: probe and alert share one incident",
          "[e2e][alertmanager][prometheus]") {
  TempDir dir;
  // Nothing listens there: the api probe gets "connection refused" at once.
  const int refused_port = FreePort();
  const std::string webhook_token_file = WriteToken(dir, "webhook", kWebhookToken);
  E2eRunbookd rb(dir, RunbookdConfig(webhook_token_file, WriteToken(dir, "reader", kReaderToken), refused_port));
  {
    const bool ready = rb.WaitReady();
    INFO("runbookd log:\n" << rb.Log());
    REQUIRE(ready);
  }

  AlertmanagerPeer am(dir, AlertmanagerConfigForRunbookd(rb.port(), webhook_token_file));
  {
    const bool ready = am.WaitReady();
    INFO("alertmanager log:\n" << am.Log());
    REQUIRE(ready);
  }

  // The rule file is checked with the real promtool before Prometheus loads it.
  const std::string rules_file = dir.Write("prometheus-rules-check.yml", kPrometheusRules);
  const CommandResult check = RunCommand({"promtool", "check", "rules", rules_file});
  INFO("promtool check rules: " << check.out << check.err);
  REQUIRE(check.exit_code == 0);

  PrometheusPeer prom(dir, PrometheusConfig(rb.port(), am.port()), {{"rules.yml", kPrometheusRules}});
  auto logs = [&] {
    return "runbookd log:\n" + rb.Log() + "\nalertmanager log:\n" + am.Log() + "\nprometheus log:\n" + prom.Log();
  };
  {
    const bool ready = prom.WaitReady();
    INFO(logs());
    REQUIRE(ready);
  }

  // Both signals in the timeline of the rule's incident. The probe fails first, so it opens the
  // incident (its evidence is in the "opened" match entry, or a later entry from source
  // probe:api); the alert comes later as a signal from source alert:FINGERPRINT, with the
  // fingerprint Alertmanager gave it.
  std::vector<IncidentView> incidents;
  IncidentView detail;
  std::string fingerprint;
  std::string why;
  auto probe_named = [&] {
    for (const auto& e : detail.timeline) {
      if (e.source == "probe:api") return true;
      if (e.source == "rule" && e.message.find("probe api is unhealthy") != std::string::npos) return true;
    }
    return false;
  };
  auto alert_source = [&] {
    for (const auto& e : detail.timeline) {
      if (e.source == "alert:" + fingerprint) return true;
    }
    return false;
  };
  const bool both = PollUntil(
      [&] {
        if (fingerprint.empty()) {
          auto held = AmAlerts(am.port(), &why);
          if (!held) return false;
          for (const auto& a : *held) {
            if (a.labels.count("alertname") && a.labels.at("alertname") == "APIEndpointDown")
              fingerprint = a.fingerprint;
          }
          if (fingerprint.empty()) return false;
        }
        auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
        if (!list) return false;
        incidents = *list;
        if (incidents.empty()) return false;
        auto d = GetIncident(rb.port(), kReaderToken, incidents[0].id, &why);
        if (!d) return false;
        detail = *d;
        return probe_named() && alert_source();
      },
      60s);
  INFO("incidents:\n"
       << Describe(incidents) << "first incident in detail:\n"
       << Describe({detail}) << "Alertmanager's fingerprint: " << fingerprint << "\n"
       << why);
  INFO(logs());
  REQUIRE(both);
  CHECK(incidents.size() == 1);
  CHECK(detail.rule == "APIEndpointDown");
  CHECK(detail.state == "open");

  // The alert really made the whole trip: Alertmanager delivered it, runbookd counted it, and
  // the probe metric Prometheus alerted on is runbookd's own.
  const auto metrics = rb.Metrics();
  CHECK(FindSample(metrics, "runbookd_probe_success", {{"probe", "api"}, {"type", "tcp"}}) == 0.0);
  CHECK(SumSamples(metrics, "runbookd_alerts_received_total", {{"status", "firing"}}) >= 1);
  CHECK(SumSamples(metrics, "runbookd_incidents_open", {{"severity", "critical"}}) == 1);

  // Still one incident a few probe runs later (the probe keeps failing, Prometheus keeps sending
  // the alert to Alertmanager).
  const double runs = SumSamples(metrics, "runbookd_probe_runs_total", {{"probe", "api"}});
  const bool ran_more = PollUntil(
      [&] {
        return SumSamples(rb.Metrics(), "runbookd_probe_runs_total", {{"probe", "api"}}) >= runs + 3;
      },
      10s);
  CHECK(ran_more);
  auto again = ListIncidents(rb.port(), kReaderToken, true, &why);
  REQUIRE(again);
  INFO("incidents later:\n" << Describe(*again));
  CHECK(again->size() == 1);
}
