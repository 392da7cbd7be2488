// /metrics rendering: prometheus-cpp registries plus the process collector, checked by promtool.

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>

#include "daemon/http/metrics.hpp"
#include "tests/integration/http_test_harness.hpp"

namespace runbookd::http {
namespace {

using testing::Promtool;
using testing::Sample;

std::shared_ptr<prometheus::Registry> SampleRegistry() {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& events = prometheus::BuildCounter()
                     .Name("runbookd_test_events_total")
                     .Help("Events seen by the test, by kind.")
                     .Register(*registry);
  events.Add({{"kind", "a"}}).Increment(3);
  events.Add({{"kind", "b\"quoted\\"}}).Increment();
  prometheus::BuildGauge()
      .Name("runbookd_test_queue_length")
      .Help("Items waiting in the test queue.")
      .Register(*registry)
      .Add({})
      .Set(42);
  return registry;
}

TEST_CASE("metrics: a registry plus the process collector renders text that promtool finds clean") {
  const std::string text = RenderMetrics({SampleRegistry(), std::make_shared<ProcessCollector>()});
  std::string lint;
  const int rc = Promtool(text, lint);
  INFO(text);
  INFO(lint);
  CHECK(rc == 0);
  CHECK(text.find("runbookd_test_events_total{kind=\"a\"} 3") != std::string::npos);
  CHECK(Sample(text, "runbookd_test_queue_length") == 42);
}

TEST_CASE("metrics: the process collector reports the six standard process metrics") {
  const std::string text = RenderMetrics({std::make_shared<ProcessCollector>()});
  INFO(text);
  CHECK(Sample(text, "process_cpu_seconds_total") >= 0);
  CHECK(Sample(text, "process_resident_memory_bytes") > 1024 * 1024);
  CHECK(Sample(text, "process_virtual_memory_bytes") >= Sample(text, "process_resident_memory_bytes"));
  CHECK(Sample(text, "process_open_fds") >= 3);
  CHECK(Sample(text, "process_max_fds") >= Sample(text, "process_open_fds"));
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(Sample(text, "process_start_time_seconds") <= now + 2);
  CHECK(Sample(text, "process_start_time_seconds") > now - 24 * 3600);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  CHECK(text.find("# HELP process_open_fds ") != std::string::npos);
}

TEST_CASE("metrics: a family collected twice is merged under one HELP/TYPE, a missing /proc is no error") {
  auto a = std::make_shared<prometheus::Registry>();
  auto b = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("runbookd_test_split").Help("Split.").Register(*a).Add({{"part", "a"}}).Set(1);
  prometheus::BuildGauge().Name("runbookd_test_split").Help("Split.").Register(*b).Add({{"part", "b"}}).Set(2);
  const std::string text = RenderMetrics({a, b, std::make_shared<ProcessCollector>("/nonexistent")});
  CHECK(text.find("# HELP runbookd_test_split") == text.rfind("# HELP runbookd_test_split"));
  CHECK(text.find("runbookd_test_split{part=\"b\"} 2") != std::string::npos);
  CHECK(text.find("process_") == std::string::npos);
  std::string lint;
  CHECK(Promtool(text, lint) == 0);
}

TEST_CASE("metrics: GET /metrics through the server has the 0.0.4 content type and passes promtool") {
  auto router = std::make_shared<Router>(nullptr);
  router->Add("GET", "/metrics", std::nullopt,
              MakeMetricsHandler({SampleRegistry(), std::make_shared<ProcessCollector>()}));
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  testing::ServerHarness h(o, router);
  httplib::Client cli("127.0.0.1", h.port());
  cli.set_read_timeout(5);
  auto res = cli.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  std::string lint;
  const int rc = Promtool(res->body, lint);
  INFO(lint);
  CHECK(rc == 0);
  CHECK(Sample(res->body, "process_open_fds") > 0);
}

}  // namespace
}  // namespace runbookd::http
