// e2e: SIGKILL of runbookd while clients stream webhooks. Every alert that got a 200 must be in
// the store after a restart: a 200 is only sent after the alert's transaction is durably
// committed. The clients keep several requests in flight, so the kill lands mid-commit.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/store/store.hpp"
#include "tests/support/am_e2e_support.hpp"
#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

const char* kWebhookToken = "stream-webhook-4e1f07c9b3a2";

constexpr int kClients = 6;
// Acknowledged alerts before the kill: enough that many commits happened, few enough to be quick.
constexpr size_t kAckedBeforeKill = 1500;

const char* kConfig =
    "rules:\n"
    "  - name: StreamedAlerts\n"
    "    severity: warning\n"
    "    when: { alert: { alertname: E2eStream } }\n"
    "    resolve_after: 10m\n";

std::string Auth(const std::string& webhook_token_file) {
  return "auth:\n"
         "  tokens:\n"
         "    - { name: stream, role: webhook, token_file: " +
         webhook_token_file + " }\n";
}

std::string Fingerprint(uint64_t n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(n));
  return buf;
}

struct Streamed {
  std::mutex mutex;
  std::vector<WebhookAlert> acked;  // every alert of every request answered 200
  size_t requests = 0;
  size_t failed = 0;   // no answer (the daemon was killed, or the connection broke)
  size_t non_200 = 0;  // an answer other than 200
  std::string first_non_200;
};

}  // namespace

TEST_CASE("SIGKILL while webhooks stream: after a restart every acknowledged alert is in the store",
          "[e2e][alertmanager][store][crash]") {
  TempDir dir;
  const std::string config = Auth(WriteToken(dir, "webhook", kWebhookToken)) + kConfig;
  const WallPoint starts_at = TruncateToMillis(std::chrono::system_clock::now() - 1min);

  Streamed streamed;
  pid_t first_pid = -1;
  uint64_t numbered = 0;  // alerts numbered by the clients (sent or about to be)
  {
    E2eRunbookd rb(dir, config);
    {
      const bool ready = rb.WaitReady();
      INFO("runbookd log:\n" << rb.Log());
      REQUIRE(ready);
    }
    first_pid = rb.process().pid();

    // Clients: each sends requests of 1 to 3 alerts with fingerprints of its own, one request
    // at a time, and stops at the first request without an answer (the daemon is gone).
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> next_alert{1};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; !stop.load(); ++i) {
          std::vector<WebhookAlert> batch;
          const int size = 1 + (i + c) % 3;
          for (int k = 0; k < size; ++k) {
            const uint64_t n = next_alert.fetch_add(1);
            batch.push_back({Fingerprint(0xe2e0000000000000ULL + n),
                             starts_at,
                             {{"alertname", "E2eStream"}, {"client", std::to_string(c)}, {"n", std::to_string(n)}}});
          }
          HttpReply r = HttpPost(rb.port(), "/api/v1/alerts", WebhookPayload(batch), Bearer(kWebhookToken), 5s);
          std::lock_guard lock(streamed.mutex);
          ++streamed.requests;
          if (r.status == 200) {
            streamed.acked.insert(streamed.acked.end(), batch.begin(), batch.end());
          } else if (r.status == 0) {
            ++streamed.failed;
            return;
          } else {
            if (streamed.non_200++ == 0) streamed.first_non_200 = std::to_string(r.status) + " " + r.body;
          }
        }
      });
    }

    // Kill -9 once enough alerts are acknowledged, with the clients still streaming.
    const bool enough = PollUntil(
        [&] {
          std::lock_guard lock(streamed.mutex);
          return streamed.acked.size() >= kAckedBeforeKill || streamed.failed > 0;
        },
        60s);
    rb.process().Signal(SIGKILL);
    const auto killed = rb.process().Wait(5s);
    stop = true;
    for (auto& t : clients) t.join();
    numbered = next_alert.load() - 1;

    INFO("runbookd log:\n" << rb.Log());
    REQUIRE(enough);
    REQUIRE(killed.has_value());
    CHECK(*killed == 128 + SIGKILL);
  }

  INFO("requests " << streamed.requests << ", alerts acknowledged " << streamed.acked.size()
                   << ", requests without an answer " << streamed.failed << ", non-200 answers " << streamed.non_200
                   << " (first: " << streamed.first_non_200 << ")");
  CHECK(streamed.non_200 == 0);
  // The streams were cut by the kill, not ended before it.
  CHECK(streamed.failed >= 1);
  REQUIRE(streamed.acked.size() >= kAckedBeforeKill);

  // Restart on the same store: it opens, restores, and says how many firing alerts it holds.
  {
    E2eRunbookd again(dir, config);
    const bool ready = again.WaitReady();
    INFO("restarted runbookd log:\n" << again.Log());
    REQUIRE(ready);
    CHECK(again.process().pid() != first_pid);
    // "store PATH: N open incidents, M firing alerts": it restored at least every acknowledged one.
    const std::string log = again.Log();
    const size_t at = log.find(" firing alerts");
    REQUIRE(at != std::string::npos);
    const size_t from = log.rfind(", ", at);
    REQUIRE(from != std::string::npos);
    CHECK(std::stoul(log.substr(from + 2, at - from - 2)) >= streamed.acked.size());
    CHECK(log.find("1 open incidents") != std::string::npos);
    again.process().Signal(SIGTERM);
    const auto stopped = again.process().Wait(10s);
    REQUIRE(stopped.has_value());
    CHECK(*stopped == 0);
  }

  // Every acknowledged alert is in the store, read with runbookd's own Store.
  auto store = runbookd::store::Store::Open(dir.path() + "/runbookd.db");
  INFO("opening the store: " << (store ? std::string("ok") : store.error().message));
  REQUIRE(store);
  size_t missing = 0;
  std::string first_missing;
  for (const auto& a : streamed.acked) {
    auto got = store->GetAlert(a.fingerprint, a.starts_at);
    if (!got || !*got) {
      if (missing++ == 0) first_missing = a.fingerprint + (got ? " (absent)" : " (" + got.error().message + ")");
    }
  }
  INFO("missing " << missing << " of " << streamed.acked.size() << ", first " << first_missing);
  CHECK(missing == 0);

  // Count check: the store holds at least every acknowledged alert (more when the kill came after
  // a commit but before its answers), and never more than the clients numbered.
  auto firing = store->ListFiringAlerts();
  REQUIRE(firing);
  INFO("firing alerts in the store: " << firing->size() << ", numbered by the clients: " << numbered);
  CHECK(firing->size() >= streamed.acked.size());
  CHECK(firing->size() <= numbered);
}
