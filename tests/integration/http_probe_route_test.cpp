// The blackbox_exporter-compatible /probe route, served by the real Server, with fake probes: the
// route is under test here, not a prober.

#include <httplib.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "daemon/http/metrics.hpp"
#include "daemon/http/probe_route.hpp"
#include "tests/integration/http_test_harness.hpp"

namespace runbookd::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Promtool;
using testing::Sample;
using testing::ServerHarness;

// Answers a fixed result at once.
class FixedProbe final : public Probe {
 public:
  explicit FixedProbe(ProbeResult result) : result_(std::move(result)) {}
  asio::awaitable<ProbeResult> Run(const ProbeContext&) const override { co_return result_; }

 private:
  ProbeResult result_;
};

// Never answers in time: records the budget its deadline gave it, then waits an hour, optionally
// deaf to cancellation, like a probe whose client ignores both deadline and cancel.
class HangingProbe final : public Probe {
 public:
  HangingProbe(std::shared_ptr<std::atomic<int64_t>> budget_ms, bool deaf)
      : budget_ms_(std::move(budget_ms)), deaf_(deaf) {}
  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    budget_ms_->store(
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - std::chrono::steady_clock::now()).count());
    if (deaf_) co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
    asio::steady_timer forever(ctx.executor, 1h);
    co_await forever.async_wait(asio::use_awaitable);
    co_return ProbeResult::Healthy();
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> budget_ms_;
  bool deaf_;
};

TargetProbeBuilder Fixed(ProbeResult result) {
  return [result](const std::string&, std::string&) -> std::unique_ptr<Probe> {
    return std::make_unique<FixedProbe>(result);
  };
}

struct Fixture {
  std::shared_ptr<std::atomic<int64_t>> budget_ms = std::make_shared<std::atomic<int64_t>>(-1);
  std::unique_ptr<ServerHarness> harness;
  std::unique_ptr<httplib::Client> cli;

  Fixture() {
    auto modules = std::make_shared<ProbeModules>();
    ProbeResult ok = ProbeResult::Healthy("200 OK");
    ok.Observe("http_status_code", 200);
    ok.Observe("http_content_length", 5);
    ok.Observe("http_ssl", 0);
    ok.Observe("http_duration_seconds{phase=\"connect\"}", 0.001);
    ok.Observe("http_duration_seconds{phase=\"resolve\"}", 0.002);
    ok.Observe("ip_protocol", 4);
    ProbeResult bad = ProbeResult::Unhealthy(ProbeReason::kHttpStatus, "500 Internal Server Error");
    bad.Observe("http_status_code", 500);
    (*modules)["http_2xx"] = ProbeModule{"http", 5s, Fixed(ok)};
    (*modules)["http_500"] = ProbeModule{"http", 5s, Fixed(bad)};
    (*modules)["refuses_target"] = ProbeModule{"http", 5s, [](const std::string& target, std::string& error) {
                                                 error = "bad target " + target;
                                                 return std::unique_ptr<Probe>();
                                               }};
    (*modules)["no_prober"] = ProbeModule{"icmp", 5s, nullptr};
    auto hanging = [this](bool deaf) {
      return [this, deaf](const std::string&, std::string&) -> std::unique_ptr<Probe> {
        return std::make_unique<HangingProbe>(budget_ms, deaf);
      };
    };
    (*modules)["hang"] = ProbeModule{"tcp", 0ms, hanging(false)};
    (*modules)["hang_deaf"] = ProbeModule{"tcp", 0ms, hanging(true)};
    (*modules)["hang_short"] = ProbeModule{"tcp", 200ms, hanging(false)};

    auto router = std::make_shared<Router>(nullptr);
    router->Add("GET", "/probe", std::nullopt, MakeProbeHandler(modules));
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    harness = std::make_unique<ServerHarness>(o, router);
    cli = std::make_unique<httplib::Client>("127.0.0.1", harness->port());
    cli->set_read_timeout(10);
  }
};

std::string CodeOf(const httplib::Result& res) {
  return std::string(boost::json::parse(res->body).as_object().at("code").as_string());
}

TEST_CASE("probe timeout: blackbox_exporter's rule for the scrape-timeout header and the module timeout") {
  auto seconds = [](std::string_view header, std::chrono::milliseconds module) {
    auto t = ProbeTimeout(header, module, 0.5);
    REQUIRE(t);
    return std::chrono::duration<double>(*t).count();
  };
  CHECK(seconds("10", 0ms) == Approx(9.5));
  CHECK(seconds("10", 5000ms) == Approx(5.0));   // the module may lower it
  CHECK(seconds("10", 20000ms) == Approx(9.5));  // but not raise it
  CHECK(seconds("", 0ms) == Approx(119.5));      // absent: blackbox's 120 s
  CHECK(seconds("0", 0ms) == Approx(119.5));     // 0 counts as absent
  CHECK(seconds("", 3000ms) == Approx(3.0));
  CHECK(seconds("0.3", 0ms) == Approx(0.0));     // offset made it negative, no module timeout
  CHECK(seconds("0.3", 1000ms) == Approx(1.0));  // offset made it negative: module timeout
  CHECK(seconds("+2.5", 0ms) == Approx(2.0));
  CHECK_FALSE(ProbeTimeout("ten", 0ms, 0.5));
  CHECK_FALSE(ProbeTimeout("10s", 0ms, 0.5));
  CHECK_FALSE(ProbeTimeout("NaN", 0ms, 0.5));
}

TEST_CASE("probe: unknown module, missing module without http_2xx fallback, missing target, no prober: 400") {
  Fixture f;
  auto unknown = f.cli->Get("/probe?module=nope&target=example.com");
  REQUIRE(unknown);
  CHECK(unknown->status == 400);
  CHECK(CodeOf(unknown) == "unknown_module");

  auto no_target = f.cli->Get("/probe?module=http_2xx");
  REQUIRE(no_target);
  CHECK(no_target->status == 400);
  CHECK(CodeOf(no_target) == "missing_target");

  auto empty_target = f.cli->Get("/probe?module=http_2xx&target=");
  REQUIRE(empty_target);
  CHECK(empty_target->status == 400);

  auto no_prober = f.cli->Get("/probe?module=no_prober&target=x");
  REQUIRE(no_prober);
  CHECK(no_prober->status == 400);
  CHECK(CodeOf(no_prober) == "unknown_prober");

  auto bad_header = f.cli->Get("/probe?module=http_2xx&target=x", {{"X-Prometheus-Scrape-Timeout-Seconds", "soon"}});
  REQUIRE(bad_header);
  CHECK(bad_header->status == 500);
}

TEST_CASE("probe: success and failure bodies are 200 text format with probe_success and blackbox names") {
  Fixture f;
  auto ok = f.cli->Get("/probe?target=example.com");  // module defaults to http_2xx, as in blackbox
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("Content-Type") == kMetricsContentType);
  CHECK(Sample(ok->body, "probe_success") == 1);
  CHECK(Sample(ok->body, "probe_http_status_code") == 200);
  CHECK(Sample(ok->body, "probe_duration_seconds") >= 0);
  CHECK(ok->body.find("# HELP probe_http_status_code Response HTTP status code\n") != std::string::npos);
  CHECK(ok->body.find("# TYPE probe_success gauge\n") != std::string::npos);
  CHECK(ok->body.find("probe_http_duration_seconds{phase=\"connect\"} 0.001") != std::string::npos);
  std::string lint;
  const int rc = Promtool(ok->body, lint);
  INFO(lint);
  CHECK(rc == 0);

  auto bad = f.cli->Get("/probe?module=http_500&target=example.com");
  REQUIRE(bad);
  CHECK(bad->status == 200);
  CHECK(Sample(bad->body, "probe_success") == 0);
  CHECK(Sample(bad->body, "probe_http_status_code") == 500);
  CHECK(Promtool(bad->body, lint) == 0);

  auto refused = f.cli->Get("/probe?module=refuses_target&target=%3A%3A");
  REQUIRE(refused);
  CHECK(refused->status == 200);
  CHECK(Sample(refused->body, "probe_success") == 0);
}

TEST_CASE("probe: the scrape-timeout header cuts a probe that never finishes at the computed deadline") {
  Fixture f;
  const auto start = std::chrono::steady_clock::now();
  auto res = f.cli->Get("/probe?module=hang&target=x", {{"X-Prometheus-Scrape-Timeout-Seconds", "0.8"}});
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(Sample(res->body, "probe_success") == 0);
  CHECK(f.budget_ms->load() > 200);
  CHECK(f.budget_ms->load() <= 300);
  CHECK(Sample(res->body, "probe_duration_seconds") >= 0.29);
  CHECK(Sample(res->body, "probe_duration_seconds") < 1.5);
  CHECK(took < 2000ms);
}

TEST_CASE("probe: a probe deaf to cancellation is still answered at the deadline, and a module timeout lowers it") {
  Fixture f;
  auto deaf = f.cli->Get("/probe?module=hang_deaf&target=x", {{"X-Prometheus-Scrape-Timeout-Seconds", "0.8"}});
  REQUIRE(deaf);
  CHECK(Sample(deaf->body, "probe_success") == 0);
  CHECK(Sample(deaf->body, "probe_duration_seconds") < 1.5);

  auto lowered = f.cli->Get("/probe?module=hang_short&target=x", {{"X-Prometheus-Scrape-Timeout-Seconds", "10"}});
  REQUIRE(lowered);
  CHECK(f.budget_ms->load() <= 200);
  CHECK(f.budget_ms->load() > 100);
  CHECK(Sample(lowered->body, "probe_duration_seconds") >= 0.19);
  CHECK(Sample(lowered->body, "probe_duration_seconds") < 1.5);
}

TEST_CASE("probe metrics: labelled observations group into one family, ill-formed names are dropped") {
  ProbeResult r = ProbeResult::Healthy();
  r.Observe("dns_duration_seconds{phase=\"resolve\"}", 0.1);
  r.Observe("dns_duration_seconds{phase=\"connect\"}", 0.2);
  r.Observe("tls_version_info{version=\"TLS 1.3\"}", 1);
  r.Observe("custom_thing", 7);
  r.Observe("bad name", 1);
  r.Observe("unterminated{phase=\"x}", 1);
  r.Observe("success", 0);  // cannot override ours
  const std::string text = RenderProbeMetrics(r, 1500ms);
  CHECK(Sample(text, "probe_success") == 1);
  CHECK(Sample(text, "probe_duration_seconds") == Approx(1.5));
  CHECK(Sample(text, "probe_custom_thing") == 7);
  CHECK(text.find("# TYPE probe_dns_duration_seconds gauge") != std::string::npos);
  CHECK(text.find("# HELP probe_dns_duration_seconds") == text.rfind("# HELP probe_dns_duration_seconds"));
  CHECK(text.find("bad") == std::string::npos);
  CHECK(text.find("unterminated") == std::string::npos);
  // client_golang sorts families by name.
  CHECK(text.find("probe_custom_thing") < text.find("probe_dns_duration_seconds"));
  CHECK(text.find("probe_dns_duration_seconds") < text.find("probe_duration_seconds "));
  std::string lint;
  const int rc = Promtool(text, lint);
  INFO(lint);
  CHECK(rc == 0);
}

}  // namespace
}  // namespace runbookd::http
