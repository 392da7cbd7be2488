// e2e: runbookd's /metrics against the real Prometheus tools (promtool 2.42, Prometheus 2.42).

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

// A healthy http probe, a failing http probe and a tcp probe, all every second, so that /metrics
// carries successful and failed runs with their reasons.
std::string ProbesYaml(const TestHttpServer& target) {
  const std::string refused = std::to_string(RefusedPort());
  return "log: { level: warn }\n"
         "probes:\n"
         "  - name: web\n"
         "    type: http\n"
         "    interval: 1s\n"
         "    timeout: 900ms\n"
         "    spec: { url: \"" +
         target.Url("/healthz") +
         "\", expect_status: [200] }\n"
         "  - name: web-down\n"
         "    type: http\n"
         "    interval: 1s\n"
         "    timeout: 900ms\n"
         "    spec: { url: \"http://127.0.0.1:" +
         refused +
         "/\" }\n"
         "  - name: port\n"
         "    type: tcp\n"
         "    interval: 1s\n"
         "    timeout: 900ms\n"
         "    spec: { address: \"127.0.0.1:" +
         std::to_string(target.port()) + "\" }\n";
}

TestHttpServer::Handler OkHandler() {
  return [](const TestRequest&) { return TestResponse{200, {{"Content-Type", "text/plain"}}, "ok\n"}; };
}

bool AllProbesRan(const E2eRunbookd& rb) {
  const auto m = rb.Metrics();
  for (const char* probe : {"web", "web-down", "port"}) {
    if (SumSamples(m, "runbookd_probe_runs_total", {{"probe", probe}}) < 1) return false;
  }
  return true;
}

// GET /api/v1/query on Prometheus; the result array when the query succeeded.
std::optional<boost::json::array> PromQuery(int port, const std::string& expr, std::string* raw) {
  HttpReply r = HttpGet(port, "/api/v1/query?query=" + UrlEncode(expr), {}, 5s);
  if (raw) *raw = std::to_string(r.status) + " " + r.body + r.error;
  if (r.status != 200) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& obj = v.as_object();
  if (!obj.contains("status") || obj.at("status") != "success") return std::nullopt;
  return obj.at("data").as_object().at("result").as_array();
}

}  // namespace

TEST_CASE("promtool check metrics is clean on runbookd's live /metrics", "[e2e][promtool]") {
  TempDir dir;
  TestHttpServer target(OkHandler());
  E2eRunbookd rb(dir, ProbesYaml(target));
  if (!rb.WaitReady()) FAIL("runbookd not ready; its log:\n" << rb.Log());
  if (!PollUntil([&] { return AllProbesRan(rb); }, 15s)) {
    FAIL("not every probe ran within 15 s; /metrics:\n" << rb.Get("/metrics").body << "\nlog:\n" << rb.Log());
  }
  // One /probe request too, in case it feeds metrics of its own.
  (void)rb.Get("/probe?module=none&target=x");

  HttpReply metrics = rb.Get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.content_type.find("text/plain") == 0);
  CHECK(metrics.content_type.find("version=0.0.4") != std::string::npos);

  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, dir.path(), {}, metrics.body);
  INFO("/metrics:\n" << metrics.body);
  INFO("promtool stdout:\n" << lint.out << "\npromtool stderr:\n" << lint.err);
  CHECK(lint.exit_code == 0);
  CHECK(lint.out.empty());
  CHECK(lint.err.empty());

  // The families CONTRACT.md fixes that exist at this stage, with their labels.
  const auto samples = ParseMetrics(metrics.body);
  CHECK(FindSample(samples, "runbookd_build_info").has_value());
  CHECK(FindSample(samples, "runbookd_config_last_reload_successful") == 1.0);
  CHECK(FindSample(samples, "runbookd_config_last_reload_success_timestamp_seconds").has_value());
  CHECK(FindSample(samples, "runbookd_probe_success", {{"probe", "web"}, {"type", "http"}}) == 1.0);
  CHECK(FindSample(samples, "runbookd_probe_success", {{"probe", "web-down"}, {"type", "http"}}) == 0.0);
  CHECK(FindSample(samples, "runbookd_probe_success", {{"probe", "port"}, {"type", "tcp"}}) == 1.0);
  CHECK(FindSample(samples, "runbookd_probe_duration_seconds", {{"probe", "web"}, {"type", "http"}}).has_value());
  CHECK(FindSample(samples, "process_cpu_seconds_total").has_value());
  CHECK(FindSample(samples, "process_resident_memory_bytes").has_value());
}

TEST_CASE("a real Prometheus 2.42 scrapes runbookd: up == 1 and runbookd_probe_success series", "[e2e][prometheus]") {
  TempDir dir;
  TestHttpServer target(OkHandler());
  E2eRunbookd rb(dir, ProbesYaml(target));
  if (!rb.WaitReady()) FAIL("runbookd not ready; its log:\n" << rb.Log());

  const int prom_port = FreePort();
  const std::string prom_config = dir.Write("prometheus.yml",
                                            "global:\n"
                                            "  scrape_interval: 1s\n"
                                            "  scrape_timeout: 1s\n"
                                            "  evaluation_interval: 1s\n"
                                            "scrape_configs:\n"
                                            "  - job_name: runbookd\n"
                                            "    static_configs:\n"
                                            "      - targets: ['127.0.0.1:" +
                                                std::to_string(rb.port()) + "']\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + dir.path() + "/tsdb",
                           "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                          dir.path() + "/prometheus.log", {}, dir.path());
  if (!WaitForPort(prom_port, 30s)) FAIL("prometheus did not listen; its log:\n" << prometheus.Log());

  std::string last_up, last_success;
  const bool up = PollUntil(
      [&] {
        auto r = PromQuery(prom_port, "up{job=\"runbookd\"}", &last_up);
        if (!r || r->empty()) return false;
        return (*r)[0].as_object().at("value").as_array()[1] == "1";
      },
      60s);
  INFO("last up query: " << last_up);
  INFO("prometheus log:\n" << prometheus.Log());
  INFO("runbookd log:\n" << rb.Log());
  INFO("targets: " << HttpGet(prom_port, "/api/v1/targets").body);
  CHECK(up);

  const bool series = PollUntil(
      [&] {
        auto r = PromQuery(prom_port, "runbookd_probe_success", &last_success);
        if (!r) return false;
        int probes_seen = 0;
        for (const auto& s : *r) {
          const auto& metric = s.as_object().at("metric").as_object();
          if (metric.contains("probe") && metric.contains("type") && metric.at("job") == "runbookd") ++probes_seen;
        }
        return probes_seen == 3;
      },
      30s);
  INFO("last runbookd_probe_success query: " << last_success);
  CHECK(series);

  // And the values agree with what the probes see.
  std::string raw;
  auto web = PromQuery(prom_port, "runbookd_probe_success{probe=\"web\"}", &raw);
  INFO(raw);
  REQUIRE(web);
  REQUIRE(web->size() == 1);
  CHECK((*web)[0].as_object().at("value").as_array()[1] == "1");
  auto down = PromQuery(prom_port, "runbookd_probe_success{probe=\"web-down\"}", &raw);
  REQUIRE(down);
  REQUIRE(down->size() == 1);
  CHECK((*down)[0].as_object().at("value").as_array()[1] == "0");
}
