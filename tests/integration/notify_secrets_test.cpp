// No webhook URL, its path token, routing key, signing secret or HMAC secret reaches a log line, a
// NotifyResult detail, a delivery's detail or a config error — on success and on every failure,
// including a URL that refuses connections and servers that echo the whole request back.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "daemon/notify/delivery.hpp"
#include "daemon/notify/notifiers.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using namespace runbookd::notify;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;
namespace asio = boost::asio;

namespace {

const std::vector<std::string> kMarkers = {
    "SLACKPATHTOKEN0123456789", "SIGNINGSECRETMARKER", "ROUTINGKEYMARKER0123456789ABCDEF",
    "HMACSECRETMARKER",         "WEBHOOKPATHTOKEN",    "WEBHOOKQUERYMARKER",
    "AUTHHEADERMARKER"};

const std::string kSlackPath = "/services/T0MARK/B0MARK/SLACKPATHTOKEN0123456789";
const std::string kWebhookPath = "/hooks/WEBHOOKPATHTOKEN?key=WEBHOOKQUERYMARKER";

// Answers with the status the test sets and a body echoing the whole request.
struct EchoServer {
  std::atomic<int> status{200};
  TestHttpServer server{[this](const TestRequest& r) {
    TestResponse out;
    out.status = status.load();
    std::string echo = r.method + " " + r.target + "\n";
    for (const auto& [name, value] : r.headers) echo += name + ": " + value + "\n";
    echo += r.body;
    // PagerDuty-shaped, so its message and errors are quoted; the others quote the body as it is.
    out.body = r.target.rfind("/v2/", 0) == 0 ? R"({"status":"invalid event","message":")" + Escape(echo) +
                                                    R"(","errors":[")" + Escape(r.body) + R"("]})"
                                              : echo;
    if (out.status == 204) out.body.clear();  // a 204 has no body (Beast will not send one)
    out.headers.emplace_back("Location", "http://127.0.0.1:1" + r.target);
    out.headers.emplace_back("Retry-After", "1");
    return out;
  }};
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c == '\n' ? ' ' : c;
    }
    return out;
  }
};

struct LogCapture {
  std::shared_ptr<std::ostringstream> stream = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger;
  LogCapture() {
    logger = std::make_shared<spdlog::logger>("notify-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream));
    logger->set_level(spdlog::level::trace);
  }
  std::string text() const {
    logger->flush();
    return stream->str();
  }
};

Notification Sample(NotificationKind kind) {
  Notification n;
  n.kind = kind;
  n.incident_id = 7;
  n.dedup_key = "runbookd-incident-7";
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.summary = "backend down";
  n.action = "rollback-backend";
  n.approval_id = 3;
  return n;
}

}  // namespace

TEST_CASE("notify secrets: never in logs, details or errors, on success or failure") {
  testing::TempDir dir;
  LogCapture log;
  EchoServer echo;
  const uint16_t refused = testing::RefusedPort();
  std::vector<std::string> texts;  // everything runbookd said

  auto build = [&](const std::string& type, const std::string& yaml) -> std::shared_ptr<const Notifier> {
    config::Diagnostics diags;
    auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
    auto built = MakeNotifier(type, doc.root(), NotifierDeps{});
    doc.CheckUnknownKeys();
    texts.push_back(diags.Format());
    return built ? built->notifier : nullptr;
  };
  auto deliver = [&](const std::shared_ptr<const Notifier>& notifier, NotificationKind kind) {
    REQUIRE(notifier);
    Delivery::Options options;
    options.policy.max_attempts = 2;
    options.logger = log.logger;
    options.sleep = [](std::chrono::milliseconds) -> asio::awaitable<void> { co_return; };
    const Delivery delivery(notifier, "secrets", options);
    asio::io_context io;
    asio::co_spawn(io, delivery.Deliver(Sample(kind)), [&](std::exception_ptr e, DeliveryOutcome o) {
      if (e) std::rethrow_exception(e);
      texts.push_back(o.detail);
      texts.push_back(o.last.detail);
    });
    io.run();
  };

  const std::string signing = dir.Write("signing", "SIGNINGSECRETMARKER\n");
  const std::string routing = dir.Write("routing", "ROUTINGKEYMARKER0123456789ABCDEF\n");
  const std::string hmac = dir.Write("hmac", "HMACSECRETMARKER\n");
  const std::string slack_spec = "\napp: {signing_secret_file: " + signing + "}\n";
  auto slack = build("slack", "webhook_url_file: " + dir.Write("slack-url", echo.server.Url(kSlackPath)) + slack_spec);
  auto slack_refused = build(
      "slack", "webhook_url_file: " +
                   dir.Write("slack-refused", "http://127.0.0.1:" + std::to_string(refused) + kSlackPath) + slack_spec);
  auto pagerduty = build("pagerduty", "routing_key_file: " + routing + "\nurl: " + echo.server.Url("/v2/enqueue"));
  auto pagerduty_refused = build("pagerduty", "routing_key_file: " + routing +
                                                  "\nurl: http://127.0.0.1:" + std::to_string(refused) + "/v2/enqueue");
  const std::string webhook_tail =
      "\nhmac_secret_file: " + hmac + "\nheaders: {Authorization: \"Bearer AUTHHEADERMARKER\"}\n";
  auto webhook = build("webhook", "url_file: " + dir.Write("hook-url", echo.server.Url(kWebhookPath)) + webhook_tail);
  auto webhook_refused =
      build("webhook",
            "url_file: " + dir.Write("hook-refused", "http://127.0.0.1:" + std::to_string(refused) + kWebhookPath) +
                webhook_tail);
  // Config errors about secret URLs.
  build("slack", "webhook_url_file: " + dir.Write("bad1", "ftp://h/SLACKPATHTOKEN0123456789") + "\n");
  build("webhook", "url_file: " + dir.Write("bad2", "http://h:0/WEBHOOKPATHTOKEN") + "\n");
  build("webhook", "url_file: " + dir.Write("bad3", "not a url WEBHOOKPATHTOKEN") + "\n");

  for (int status : {200, 202, 204, 302, 400, 403, 404, 429, 500, 503}) {
    echo.status = status;
    deliver(slack, NotificationKind::kApprovalRequested);
    deliver(pagerduty, NotificationKind::kOpened);
    deliver(pagerduty, NotificationKind::kResolved);
    deliver(webhook, NotificationKind::kOpened);
  }
  deliver(slack_refused, NotificationKind::kOpened);
  deliver(pagerduty_refused, NotificationKind::kOpened);
  deliver(webhook_refused, NotificationKind::kOpened);

  texts.push_back(log.text());
  std::string all;
  for (const std::string& t : texts) all += t + "\n";
  INFO(all);
  CHECK(echo.server.requests_served() == 7 * 4 + 3 * 4 * 2);  // 429, 500 and 503 were tried twice
  // The paths were exercised: echoed answers and refused connections reached the details.
  CHECK(all.find("slack answered 400: POST <secret>") != std::string::npos);
  CHECK(all.find("connection_refused") != std::string::npos);
  CHECK(all.find("pagerduty answered 400") != std::string::npos);
  CHECK(all.find("the URL (not shown: it is a secret)") != std::string::npos);
  for (const std::string& marker : kMarkers) {
    INFO(marker);
    CHECK(all.find(marker) == std::string::npos);
  }
  CHECK(all.find(echo.server.Url(kSlackPath)) == std::string::npos);
  CHECK(all.find(echo.server.Url(kWebhookPath)) == std::string::npos);
}
