// POST /api/v1/alerts inside the real Server and Router on 127.0.0.1, with a fake sink standing in
// for IncidentManager::IngestAlerts: it records each batch and completes with Ok, with a store
// error, or only when the test releases it. Every wait is bounded.

#include "daemon/http/alerts_route.hpp"

#include <httplib.h>

#include <boost/json.hpp>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/http/router.hpp"
#include "daemon/http/server.hpp"
#include "tests/integration/http_test_harness.hpp"

namespace runbookd::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::ServerHarness;
using testing::WaitUntil;

constexpr const char* kHookToken = "hook-tok-9c0d1e2f";
constexpr const char* kReaderToken = "reader-tok-1a2b3c4d";
constexpr const char* kAdminToken = "admin-tok-5e6f7a8b";
constexpr const char* kPath = "/api/v1/alerts";

// As a real Alertmanager 0.25 delivered it (protocol-facts §4), with a second, resolved alert.
const std::string kWebhook =
    R"({"receiver":"team\\.db","status":"firing",)"
    R"("alerts":[{"status":"firing","labels":{"alertname":"KafkaUnderReplicated","cluster":"prod","severity":"critical"},)"
    R"("annotations":{"runbook":"rb-1","summary":"ISR shrink"},)"
    R"("startsAt":"2026-11-22T22:30:16.85563234Z","endsAt":"0001-01-01T00:00:00Z",)"
    R"("generatorURL":"http://prom:9090/graph?g0.expr=x","fingerprint":"725cd57bece34f10"},)"
    R"({"status":"resolved","labels":{"alertname":"DiskFull"},"annotations":{"summary":"ISR shrink"},)"
    R"("startsAt":"2026-11-22T22:00:00Z","endsAt":"2026-11-22T22:30:00Z","fingerprint":"0123456789abcdef"}],)"
    R"("groupLabels":{},"commonLabels":{},"commonAnnotations":{"summary":"ISR shrink"},)"
    R"("externalURL":"http://vm:28520","version":"4","groupKey":"{}:{}","truncatedAlerts":0})";

// Stands in for IncidentManager::IngestAlerts. The sink and the counter run on the server thread;
// the test reads through the mutex.
class FakeSink {
 public:
  enum class Mode { kCommit, kFail, kHold, kDrop };

  explicit FakeSink(Mode mode, store::Error error = {store::ErrorCode::kIo, "disk I/O error"})
      : mode_(mode), error_(std::move(error)) {}

  AlertSink Sink() {
    return [this](std::vector<store::AlertRecord> alerts, std::function<void(store::Status)> done) {
      std::lock_guard lock(mutex_);
      batches_.push_back(std::move(alerts));
      switch (mode_) {
        case Mode::kCommit:
          done(store::Ok());
          break;
        case Mode::kFail:
          done(error_);
          break;
        case Mode::kHold:
          held_ = std::move(done);
          break;
        case Mode::kDrop:  // a buggy sink that loses the callback
          break;
      }
    };
  }

  AlertsReceivedCounter Counter() {
    return [this](std::string_view status, size_t n) {
      std::lock_guard lock(mutex_);
      counted_.emplace_back(std::string(status), n);
    };
  }

  // Completes the held batch, if any; call it on the server thread (where IngestAlerts completes).
  bool Release(store::Status status) {
    std::function<void(store::Status)> done;
    {
      std::lock_guard lock(mutex_);
      done = std::exchange(held_, nullptr);
    }
    if (!done) return false;
    done(std::move(status));
    return true;
  }

  std::vector<std::vector<store::AlertRecord>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<std::pair<std::string, size_t>> counted() {
    std::lock_guard lock(mutex_);
    return counted_;
  }

 private:
  std::mutex mutex_;
  Mode mode_;
  store::Error error_;
  std::vector<std::vector<store::AlertRecord>> batches_;
  std::function<void(store::Status)> held_;
  std::vector<std::pair<std::string, size_t>> counted_;
};

// Completes a batch still held when a test ends early, on the server thread and before the
// harness stops, so that no waiting request outlives the event loop.
struct ReleaseAtExit {
  ServerHarness& harness;
  FakeSink& sink;
  ~ReleaseAtExit() {
    harness.OnLoop([this] { return sink.Release(store::Error{store::ErrorCode::kShuttingDown, "test over"}); });
  }
};

const WallTime kReceivedAt = std::chrono::sys_days{std::chrono::year(2026) / 11 / 22} + std::chrono::hours(23);

std::shared_ptr<const Router> AlertsRouter(FakeSink& sink) {
  auto router = std::make_shared<Router>(std::make_shared<Authenticator>(std::vector<TokenConfig>{
      {"alertmanager", Role::kWebhook, config::Secret(kHookToken)},
      {"dash", Role::kReader, config::Secret(kReaderToken)},
      {"root", Role::kAdmin, config::Secret(kAdminToken)},
  }));
  AlertsRouteOptions options;
  options.count_received = sink.Counter();
  options.wall_now = [] { return kReceivedAt; };
  router->Add("POST", kPath, Role::kWebhook, MakeAlertsHandler(sink.Sink(), nullptr, std::move(options)));
  return router;
}

ServerOptions Options() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.max_body_bytes = 16 * 1024;
  o.request_timeout = 5000ms;
  o.idle_timeout = 5000ms;
  return o;
}

std::unique_ptr<httplib::Client> ClientFor(ServerHarness& h) {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", h.port());
  cli->set_connection_timeout(5);
  cli->set_read_timeout(5);
  cli->set_write_timeout(5);
  return cli;
}

httplib::Headers Bearer(const char* token) { return {{"Authorization", std::string("Bearer ") + token}}; }

httplib::Result PostAlerts(httplib::Client& cli, const std::string& body,
                           const std::string& content_type = "application/json", const char* token = kHookToken) {
  return cli.Post(kPath, Bearer(token), body, content_type);
}

boost::json::object JsonOf(const httplib::Result& res) { return boost::json::parse(res->body).as_object(); }

std::string RawRequest(const std::string& body, const std::string& content_type_line) {
  return std::string("POST ") + kPath + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kHookToken + "\r\n" +
         content_type_line + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("alerts: 200 comes only after the sink reports the commit", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kHold);
  ServerHarness h(Options(), AlertsRouter(sink));
  ReleaseAtExit release_at_exit{h, sink};
  RawConnection raw(h.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Send(RawRequest(kWebhook, "Content-Type: application/json\r\n")));

  REQUIRE(WaitUntil([&] { return sink.batches().size() == 1; }));
  // The sink holds the completion: no answer may arrive, and nothing is counted.
  CHECK_FALSE(raw.ReadUntil("HTTP/1.1", 300ms));
  CHECK(raw.received().empty());
  CHECK(sink.counted().empty());

  REQUIRE(h.OnLoop([&] { return sink.Release(store::Ok()); }));
  REQUIRE(raw.ReadUntil("}\n"));
  CHECK(raw.received().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.received().find(R"({"status":"stored","alerts":2})") != std::string::npos);
  CHECK(sink.counted() == std::vector<std::pair<std::string, size_t>>{{"firing", 1}, {"resolved", 1}});

  // One batch with both alerts, stamped with the group's fields and the time received.
  const auto batches = sink.batches();
  REQUIRE(batches.size() == 1);
  REQUIRE(batches[0].size() == 2);
  CHECK(batches[0][0].fingerprint == "725cd57bece34f10");
  CHECK(batches[0][0].status == store::AlertStatus::kFiring);
  CHECK_FALSE(batches[0][0].ends_at.has_value());
  CHECK(batches[0][1].status == store::AlertStatus::kResolved);
  CHECK(batches[0][1].ends_at.has_value());
  for (const auto& alert : batches[0]) {
    CHECK(alert.receiver == R"(team\.db)");
    CHECK(alert.group_key == "{}:{}");
    CHECK(alert.seen_at == kReceivedAt);
  }
}

TEST_CASE("alerts: a store error gives 503 store_unavailable and counts nothing", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kFail);
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);
  auto res = PostAlerts(*cli, kWebhook);
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(JsonOf(res).at("code").as_string() == "store_unavailable");
  CHECK(std::string(JsonOf(res).at("error").as_string()).find("disk I/O error") != std::string::npos);
  CHECK_FALSE(res->has_header("Retry-After"));
  CHECK(sink.batches().size() == 1);
  CHECK(sink.counted().empty());
}

TEST_CASE("alerts: a full store queue gives 503 with Retry-After: 1", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kFail, {store::ErrorCode::kQueueFull, "store queue full"});
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);
  auto res = PostAlerts(*cli, kWebhook);
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(JsonOf(res).at("code").as_string() == "store_unavailable");
  CHECK(res->get_header_value("Retry-After") == "1");
  CHECK(sink.counted().empty());
}

TEST_CASE("alerts: a held batch completed with an error after a wait still gives 503", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kHold);
  ServerHarness h(Options(), AlertsRouter(sink));
  ReleaseAtExit release_at_exit{h, sink};
  RawConnection raw(h.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Send(RawRequest(kWebhook, "Content-Type: application/json\r\n")));
  REQUIRE(WaitUntil([&] { return sink.batches().size() == 1; }));
  REQUIRE(h.OnLoop([&] { return sink.Release(store::Error{store::ErrorCode::kBusy, "database is locked"}); }));
  REQUIRE(raw.ReadUntil("}\n"));
  CHECK(raw.received().rfind("HTTP/1.1 503", 0) == 0);
  CHECK(sink.counted().empty());
}

TEST_CASE("alerts: a sink that drops its callback closes the connection unanswered", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kDrop);
  ServerHarness h(Options(), AlertsRouter(sink));
  RawConnection raw(h.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Send(RawRequest(kWebhook, "Content-Type: application/json\r\n")));
  // No 2xx for alerts that were never committed; Alertmanager retries a dropped connection.
  CHECK(raw.ReadUntilClosed());
  CHECK(raw.received().empty());
  CHECK(sink.counted().empty());
  CHECK(WaitUntil([&] { return h.OpenConnections() == 0; }));
}

TEST_CASE("alerts: a malformed payload gives 400 naming the path, and reaches no sink", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kCommit);
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);

  std::string bad = kWebhook;
  bad.replace(bad.find("2026-11-22T22:00:00Z"), 20, "yesterday");
  auto res = PostAlerts(*cli, bad);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(JsonOf(res).at("code").as_string() == "invalid_payload");
  CHECK(JsonOf(res).at("error").as_string() == R"($.alerts[1].startsAt: expected an RFC3339 time, got "yesterday")");

  auto garbage = PostAlerts(*cli, "{\"version\":");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(JsonOf(garbage).at("error").as_string() == "$: invalid JSON at byte 11: incomplete JSON");

  CHECK(sink.batches().empty());
  CHECK(sink.counted().empty());
}

TEST_CASE("alerts: the store refusing the alerts as invalid gives 400", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kFail, {store::ErrorCode::kInvalidArgument, "bad alert"});
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);
  auto res = PostAlerts(*cli, kWebhook);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(JsonOf(res).at("code").as_string() == "invalid_payload");
}

TEST_CASE("alerts: anything but application/json gets 415", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kCommit);
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);

  auto text = PostAlerts(*cli, kWebhook, "text/plain");
  REQUIRE(text);
  CHECK(text->status == 415);
  CHECK(JsonOf(text).at("code").as_string() == "unsupported_media_type");

  auto form = PostAlerts(*cli, kWebhook, "application/x-www-form-urlencoded");
  REQUIRE(form);
  CHECK(form->status == 415);

  RawConnection raw(h.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Send(RawRequest(kWebhook, "")));
  REQUIRE(raw.ReadUntil("}\n"));
  CHECK(raw.received().rfind("HTTP/1.1 415", 0) == 0);
  CHECK(sink.batches().empty());

  // Parameters and case do not matter.
  auto charset = PostAlerts(*cli, kWebhook, "application/json; charset=utf-8");
  REQUIRE(charset);
  CHECK(charset->status == 200);
  auto upper = PostAlerts(*cli, kWebhook, "Application/JSON");
  REQUIRE(upper);
  CHECK(upper->status == 200);
  CHECK(sink.batches().size() == 2);
}

TEST_CASE("alerts: only a webhook token may post (401 without, 403 with another role)", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kCommit);
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);

  auto anonymous = cli->Post(kPath, kWebhook, "application/json");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  auto wrong = PostAlerts(*cli, kWebhook, "application/json", "not-a-token-at-all");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto reader = PostAlerts(*cli, kWebhook, "application/json", kReaderToken);
  REQUIRE(reader);
  CHECK(reader->status == 403);
  auto admin = PostAlerts(*cli, kWebhook, "application/json", kAdminToken);
  REQUIRE(admin);
  CHECK(admin->status == 403);
  CHECK(sink.batches().empty());

  auto hook = PostAlerts(*cli, kWebhook);
  REQUIRE(hook);
  CHECK(hook->status == 200);
  CHECK(sink.batches().size() == 1);
}

TEST_CASE("alerts: a body over the server's limit gets 413", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kCommit);
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);
  std::string big = kWebhook;
  big.insert(big.size() - 1, R"(,"padding":")" + std::string(32 * 1024, 'x') + "\"");
  auto res = PostAlerts(*cli, big);
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(JsonOf(res).at("code").as_string() == "body_too_large");
  CHECK(sink.batches().empty());
}

TEST_CASE("alerts: an empty alerts array is answered 200 without a store job", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kHold);  // would hold forever if it were asked
  ServerHarness h(Options(), AlertsRouter(sink));
  auto cli = ClientFor(h);
  auto res = PostAlerts(*cli, R"({"version":"4","alerts":[]})");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(JsonOf(res).at("alerts").as_int64() == 0);
  CHECK(sink.batches().empty());
  CHECK(sink.counted().empty());
}

TEST_CASE("alerts: the log carries neither annotations nor the token", "[alerts]") {
  FakeSink sink(FakeSink::Mode::kCommit);
  auto log_stream = std::make_shared<std::ostringstream>();
  auto log =
      std::make_shared<spdlog::logger>("alerts-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_stream));
  log->set_level(spdlog::level::trace);
  auto router = std::make_shared<Router>(std::make_shared<Authenticator>(
      std::vector<TokenConfig>{{"alertmanager", Role::kWebhook, config::Secret(kHookToken)}}));
  router->Add("POST", kPath, Role::kWebhook, MakeAlertsHandler(sink.Sink(), log));
  ServerHarness h(Options(), router);
  auto cli = ClientFor(h);

  REQUIRE(PostAlerts(*cli, kWebhook)->status == 200);
  std::string bad = kWebhook;
  bad.replace(bad.find(R"("status":"resolved")"), 19, R"("status":"gone")");
  REQUIRE(PostAlerts(*cli, bad)->status == 400);

  const std::string logs = h.OnLoop([&] {
    log->flush();
    return log_stream->str();
  });
  CHECK(logs.find("alertmanager") != std::string::npos);  // the token's name is fine
  CHECK(logs.find("$.alerts[1].status") != std::string::npos);
  CHECK(logs.find("ISR shrink") == std::string::npos);
  CHECK(logs.find(kHookToken) == std::string::npos);
}

}  // namespace runbookd::http
