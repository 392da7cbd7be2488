// e2e: runbookd's store becomes unwritable while a real Alertmanager 0.25 delivers alerts.
// runbookd answers 503 (it acknowledges only committed alerts), Alertmanager retries, and once
// the store is writable again every alert arrives: none lost, no incident duplicated.
//
// How the store is made unwritable under a running daemon (tests run as root, so permissions do
// not stop it, and the daemon keeps its files open): runbookd runs in a mount namespace of its
// own in which its store directory is a 4 MiB tmpfs; the test fills that file system with a
// ballast file (reached through /proc/PID/root), so SQLite's next WAL append fails with
// SQLITE_FULL, and deleting the ballast makes it writable again. Nothing is mounted on the host.

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/am_e2e_support.hpp"
#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

const char* kWebhookToken = "full-store-webhook-0d4e8b17a2c9";
const char* kReaderToken = "full-store-reader-6a93f2c05e1b";

std::string Config(const std::string& webhook_token_file, const std::string& reader_token_file) {
  return "auth:\n"
         "  tokens:\n"
         "    - { name: alertmanager, role: webhook, token_file: " +
         webhook_token_file +
         " }\n"
         "    - { name: tests, role: reader, token_file: " +
         reader_token_file +
         " }\n"
         "rules:\n"
         "  - name: DiskFullDrill\n"
         "    severity: high\n"
         "    when: { alert: { alertname: E2eDiskFullDrill } }\n"
         "    resolve_after: 10m\n";
}

}  // namespace

TEST_CASE("store unwritable: webhooks get 503 and Alertmanager retries deliver every alert once it is writable",
          "[e2e][alertmanager][store]") {
  std::string why;
  const bool tmpfs = PrivateTmpfsAvailable(&why);
  INFO("this test needs a private mount namespace with a tmpfs (root with CAP_SYS_ADMIN): " << why);
  REQUIRE(tmpfs);

  TempDir dir;
  const std::string webhook_token_file = WriteToken(dir, "webhook", kWebhookToken);
  TmpfsStoreRunbookd rb(dir, Config(webhook_token_file, WriteToken(dir, "reader", kReaderToken)), 4 << 20);
  {
    const bool ready = rb.WaitReady();
    INFO("runbookd log:\n" << rb.Log());
    REQUIRE(ready);
  }
  REQUIRE(rb.StoreFsType() == "tmpfs");

  // Two groups (group_by alertname + instance), so two notifications retry independently.
  AmRoute route;
  route.group_by = "['alertname', 'instance']";
  AlertmanagerPeer am(dir, AlertmanagerConfigForRunbookd(rb.port(), webhook_token_file, route));
  auto logs = [&] { return "runbookd log:\n" + rb.Log() + "\nalertmanager log:\n" + am.Log(); };
  {
    const bool ready = am.WaitReady();
    INFO(logs());
    REQUIRE(ready);
  }

  // Fill the store's file system.
  const int64_t ballast = rb.Fill("ballast", &why);
  INFO("ballast: " << ballast << " bytes; " << why);
  REQUIRE(ballast > 0);
  REQUIRE(rb.FreeBytes() == 0);

  const WallPoint starts_at = TruncateToMillis(std::chrono::system_clock::now() - 2s);
  const std::string alerts = "[" + AmApiAlert({{"alertname", "E2eDiskFullDrill"}, {"instance", "db-1"}}, starts_at) +
                             "," + AmApiAlert({{"alertname", "E2eDiskFullDrill"}, {"instance", "db-2"}}, starts_at) +
                             "]";
  HttpReply injected = am.PostAlerts(alerts);
  INFO("POST /api/v2/alerts: " << injected.status << " " << injected.body << injected.error);
  REQUIRE(injected.status == 200);

  // The mechanism works: Alertmanager's first attempt for each group got a 503 from runbookd
  // (Alertmanager logs a failed attempt when its error changes, so once per group here), and
  // runbookd refused its retries for want of a store.
  const bool refused = PollUntil(
      [&] {
        const std::string am_log = am.Log();
        return CountOccurrences(am_log, "Notify attempt failed, will retry later") >= 2 &&
               CountOccurrences(am_log, "unexpected status code 503") >= 2 &&
               CountOccurrences(rb.Log(), "not stored") >= 6;
      },
      20s);
  {
    INFO("while the store is full, " << logs());
    REQUIRE(refused);
    CHECK(rb.Log().find("disk is full") != std::string::npos);
    auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
    REQUIRE(list);
    INFO("incidents while full:\n" << Describe(*list));
    CHECK(list->empty());
    const auto metrics = rb.Metrics();
    REQUIRE(!metrics.empty());
    CHECK(SumSamples(metrics, "runbookd_alerts_received_total") == 0);
  }

  // Alertmanager's fingerprints of the two alerts.
  std::vector<std::string> fingerprints;
  {
    auto held = AmAlerts(am.port(), &why);
    INFO(why);
    REQUIRE(held);
    for (const auto& a : *held) fingerprints.push_back(a.fingerprint);
    REQUIRE(fingerprints.size() == 2);
  }

  // Keep the store full until Alertmanager gives up the first flush of both groups (its retries
  // last max(group_interval, 10s)), so that delivery has to come from a later flush: nothing
  // may depend on the store coming back within one retry window.
  const bool gave_up = PollUntil([&] { return CountOccurrences(am.Log(), "Notify for alerts failed") >= 2; }, 30s);
  {
    INFO("waiting for Alertmanager to give up a flush, " << logs());
    REQUIRE(gave_up);
    CHECK(am.Log().find("notify retry canceled") != std::string::npos);
    auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
    REQUIRE(list);
    CHECK(list->empty());
  }

  // Writable again: a retry of the next group_interval flush gets through.
  REQUIRE(rb.Unfill("ballast", &why));
  std::vector<IncidentView> incidents;
  IncidentView detail;
  auto named = [&] {
    size_t n = 0;
    for (const auto& fp : fingerprints) n += TimelineNamesAlert(detail, fp) ? 1 : 0;
    return n;
  };
  const bool delivered = PollUntil(
      [&] {
        auto list = ListIncidents(rb.port(), kReaderToken, true, &why);
        if (!list || list->empty()) return false;
        incidents = *list;
        auto d = GetIncident(rb.port(), kReaderToken, incidents[0].id, &why);
        if (!d) return false;
        detail = *d;
        return named() == 2;
      },
      40s);
  INFO("incidents:\n"
       << Describe(incidents) << "first in detail:\n"
       << Describe({detail}) << "fingerprints: " << fingerprints[0] << " " << fingerprints[1] << "\n"
       << why);
  INFO("after the store came back, " << logs());
  REQUIRE(delivered);
  CHECK(incidents.size() == 1);
  CHECK(detail.rule == "DiskFullDrill");
  CHECK(detail.state == "open");
  CHECK(SumSamples(rb.Metrics(), "runbookd_alerts_received_total", {{"status", "firing"}}) >= 2);
  CHECK(am.Log().find("Notify success") != std::string::npos);

  // Alertmanager has nothing left to retry, and later evaluations open nothing new.
  const bool settled = PollUntil([&] { return CountOccurrences(am.Log(), "Notify success") >= 2; }, 20s);
  CHECK(settled);
  auto final_list = ListIncidents(rb.port(), kReaderToken, true, &why);
  REQUIRE(final_list);
  INFO("incidents at the end:\n" << Describe(*final_list));
  CHECK(final_list->size() == 1);
}
