// e2e: runbookd's lifecycle as a service manager sees it: sd_notify datagrams on a real socket,
// SIGHUP and POST /-/reload with good and broken configs, SIGTERM with work in flight.

#include <signal.h>
#include <time.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

long long MonotonicUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
}

std::string HttpProbe(const std::string& name, const std::string& url, const std::string& interval = "1s",
                      const std::string& timeout = "900ms") {
  return "  - name: " + name +
         "\n"
         "    type: http\n"
         "    interval: " +
         interval +
         "\n"
         "    timeout: " +
         timeout +
         "\n"
         "    spec: { url: \"" +
         url + "\" }\n";
}

const char* kReaderToken = "reader-token-0123456789abcdef";
const char* kAdminToken = "admin-token-fedcba9876543210";

std::string AuthYaml(const TempDir& dir) {
  return "auth:\n"
         "  tokens:\n"
         "    - { name: dashboards, role: reader, token_file: " +
         WriteToken(dir, "reader", kReaderToken) +
         " }\n"
         "    - { name: ops, role: admin, token_file: " +
         WriteToken(dir, "admin", kAdminToken) + " }\n";
}

std::optional<double> ReloadOk(const E2eRunbookd& rb) {
  return FindSample(rb.Metrics(), "runbookd_config_last_reload_successful");
}

// Names of the probes /api/v1/probes lists, in order, as one comma-separated string.
std::string ProbeNames(const E2eRunbookd& rb) {
  HttpReply r = rb.Get("/api/v1/probes", Bearer(kReaderToken));
  if (r.status != 200) return "HTTP " + std::to_string(r.status) + " " + r.body + r.error;
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("probes")) return "unexpected body: " + r.body;
  std::string names;
  for (const auto& p : v.as_object().at("probes").as_array()) {
    names += (names.empty() ? "" : ",") + std::string(p.as_object().at("name").as_string());
  }
  return names;
}

}  // namespace

TEST_CASE("sd_notify: READY with STATUS, WATCHDOG, RELOADING/READY on SIGHUP, STOPPING on SIGTERM",
          "[e2e][sd_notify]") {
  TempDir dir;
  TestHttpServer target([](const TestRequest&) { return TestResponse{200, {}, "ok\n"}; });
  SdNotifyListener notify(dir.path());
  E2eRunbookdOptions options;
  options.env = notify.env();
  options.env["WATCHDOG_USEC"] = "400000";
  options.watchdog_pid_is_self = true;
  E2eRunbookd rb(dir, "probes:\n" + HttpProbe("web", target.Url("/")), options);

  const bool ready = notify.WaitFor([&](const auto&) { return notify.Find("READY=1").has_value(); }, 15s);
  INFO("datagrams:\n" << notify.Dump());
  INFO("runbookd log:\n" << rb.Log());
  REQUIRE(ready);
  const size_t ready_at = *notify.Find("READY=1");
  auto ready_fields = NotifyFields(notify.datagrams()[ready_at]);
  CHECK(ready_fields.count("STATUS") == 1);
  CHECK(!ready_fields["STATUS"].empty());
  // READY=1 means listeners are bound.
  CHECK(rb.Get("/-/healthy").status == 200);

  // WATCHDOG_USEC=400000: a ping every 200 ms.
  const bool pings = notify.WaitFor([&](const auto&) { return notify.Count("WATCHDOG=1") >= 2; }, 3s);
  INFO("datagrams after watchdog wait:\n" << notify.Dump());
  CHECK(pings);

  // SIGHUP: RELOADING=1 with MONOTONIC_USEC in the same datagram, then READY=1.
  const size_t before_hup = notify.datagrams().size();
  const long long hup_sent_usec = MonotonicUsec();
  rb.process().Signal(SIGHUP);
  const bool reloaded = notify.WaitFor(
      [&](const auto&) {
        auto r = notify.Find("RELOADING=1", before_hup);
        return r && notify.Find("READY=1", *r + 1);
      },
      10s);
  INFO("datagrams after SIGHUP:\n" << notify.Dump());
  INFO("runbookd log after SIGHUP:\n" << rb.Log());
  CHECK(reloaded);
  if (auto r = notify.Find("RELOADING=1", before_hup)) {
    const auto fields = NotifyFields(notify.datagrams()[*r]);
    REQUIRE(fields.count("MONOTONIC_USEC") == 1);
    const long long usec = std::stoll(fields.at("MONOTONIC_USEC"));
    CHECK(usec >= hup_sent_usec);
    CHECK(usec <= MonotonicUsec());
  }
  CHECK(notify.Count("RELOADING=1") == 1);

  // SIGTERM: STOPPING=1 and exit 0 within 10 s.
  const auto term_sent = std::chrono::steady_clock::now();
  rb.process().Signal(SIGTERM);
  const auto exit_code = rb.process().Wait(10s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - term_sent);
  notify.WaitFor([&](const auto&) { return notify.Find("STOPPING=1").has_value(); }, 1s);
  INFO("datagrams after SIGTERM:\n" << notify.Dump());
  INFO("runbookd log after SIGTERM:\n" << rb.Log());
  INFO("stopped after " << took.count() << " ms");
  CHECK(notify.Find("STOPPING=1").has_value());
  REQUIRE(exit_code.has_value());
  CHECK(*exit_code == 0);
  // Nothing claims readiness after STOPPING.
  if (auto s = notify.Find("STOPPING=1")) CHECK(!notify.Find("READY=1", *s + 1).has_value());
}

TEST_CASE("a broken config on SIGHUP keeps the old one serving and reload metric 0, the fixed file reloads to 1",
          "[e2e][reload]") {
  TempDir dir;
  TestHttpServer target([](const TestRequest&) { return TestResponse{200, {}, "ok\n"}; });
  const std::string auth = AuthYaml(dir);
  const std::string old_probes =
      "probes:\n" + HttpProbe("alpha", target.Url("/a")) + HttpProbe("beta", target.Url("/b"));
  E2eRunbookd rb(dir, auth + old_probes);
  if (!rb.WaitReady()) FAIL("runbookd not ready; its log:\n" << rb.Log());
  REQUIRE(ProbeNames(rb) == "alpha,beta");
  CHECK(ReloadOk(rb) == 1.0);

  // A new probe plus an error: nothing of the new file may take effect.
  const std::string broken = auth + old_probes + HttpProbe("gamma", target.Url("/c")) +
                             "  - name: delta\n    type: http\n    interval: every-now-and-then\n"
                             "    spec: { url: \"" +
                             target.Url("/d") + "\" }\n";
  rb.WriteConfig(broken);
  rb.process().Signal(SIGHUP);
  const bool failed = PollUntil([&] { return ReloadOk(rb) == 0.0; }, 10s);
  INFO("runbookd log:\n" << rb.Log());
  CHECK(failed);
  CHECK(rb.process().running());
  CHECK(ProbeNames(rb) == "alpha,beta");
  HttpReply metrics = rb.Get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(FindSample(ParseMetrics(metrics.body), "runbookd_probe_success", {{"probe", "gamma"}}) == std::nullopt);
  CHECK(rb.Get("/-/ready").status == 200);

  // Fixed: gamma arrives, the metric returns to 1.
  const std::string fixed = auth + old_probes + HttpProbe("gamma", target.Url("/c"));
  rb.WriteConfig(fixed);
  rb.process().Signal(SIGHUP);
  const bool recovered = PollUntil([&] { return ReloadOk(rb) == 1.0; }, 10s);
  INFO("runbookd log after the fix:\n" << rb.Log());
  CHECK(recovered);
  CHECK(ProbeNames(rb) == "alpha,beta,gamma");
  CHECK(FindSample(rb.Metrics(), "runbookd_config_last_reload_success_timestamp_seconds").value_or(0) > 0);
}

TEST_CASE("POST /-/reload: admin only, 500 with the errors for a broken file, 200 for a good one", "[e2e][reload]") {
  TempDir dir;
  TestHttpServer target([](const TestRequest&) { return TestResponse{200, {}, "ok\n"}; });
  const std::string auth = AuthYaml(dir);
  const std::string good = auth + "probes:\n" + HttpProbe("alpha", target.Url("/a"));
  E2eRunbookd rb(dir, good);
  if (!rb.WaitReady()) FAIL("runbookd not ready; its log:\n" << rb.Log());

  CHECK(HttpPost(rb.port(), "/-/reload", "").status == 401);
  CHECK(HttpPost(rb.port(), "/-/reload", "", Bearer(kReaderToken)).status == 403);

  rb.WriteConfig(good + HttpProbe("beta", target.Url("/b")) + "    no_such_key: 1\n");
  HttpReply bad = HttpPost(rb.port(), "/-/reload", "", Bearer(kAdminToken));
  INFO("answer to the broken reload: " << bad.status << " " << bad.content_type << " " << bad.body << bad.error);
  CHECK(bad.status == 500);
  CHECK(bad.content_type.find("application/json") == 0);
  CHECK(bad.body.find("no_such_key") != std::string::npos);
  CHECK(bad.body.find("runbookd.yaml:") != std::string::npos);  // FILE:LINE:COL
  CHECK(ReloadOk(rb) == 0.0);
  CHECK(ProbeNames(rb) == "alpha");

  rb.WriteConfig(good + HttpProbe("beta", target.Url("/b")));
  HttpReply ok = HttpPost(rb.port(), "/-/reload", "", Bearer(kAdminToken));
  INFO("answer to the good reload: " << ok.status << " " << ok.body << ok.error);
  CHECK(ok.status == 200);
  CHECK(ReloadOk(rb) == 1.0);
  CHECK(ProbeNames(rb) == "alpha,beta");
  INFO("runbookd log:\n" << rb.Log());
}

TEST_CASE("SIGTERM with probes in flight exits 0 within 10 s", "[e2e][shutdown]") {
  TempDir dir;
  std::atomic<int> started{0};
  // Answers only after 30 s, and the probes' own timeouts are 9 s: runbookd has to end (or abandon)
  // the runs in flight itself to stop within 10 s.
  TestHttpServer slow([&](const TestRequest&) {
    ++started;
    return TestResponse{200, {}, "late\n", 30s};
  });
  BlackholeListener blackhole;
  std::string probes = "probes:\n" + HttpProbe("slow", slow.Url("/"), "9s", "9s");
  probes +=
      "  - name: blackholed\n    type: tcp\n    interval: 9s\n    timeout: 9s\n"
      "    spec: { address: \"127.0.0.1:" +
      std::to_string(blackhole.port()) + "\" }\n";
  E2eRunbookd rb(dir, probes);
  if (!rb.WaitReady()) FAIL("runbookd not ready; its log:\n" << rb.Log());
  // The first run is spread across the interval: wait for it (bounded by the interval).
  if (!PollUntil([&] { return started.load() > 0; }, 12s)) FAIL("the slow probe never ran; log:\n" << rb.Log());

  const auto term_sent = std::chrono::steady_clock::now();
  rb.process().Signal(SIGTERM);
  const auto exit_code = rb.process().Wait(10s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - term_sent);
  INFO("runbookd log:\n" << rb.Log());
  INFO("stopped after " << took.count() << " ms; blackhole works: " << blackhole.works());
  REQUIRE(exit_code.has_value());
  CHECK(*exit_code == 0);
  CHECK(took < 10s);
}
