// Each real notifier against a fake server on 127.0.0.1:0, through the Delivery retry stage with
// its waits recorded (not slept): what the server receives, and how many requests it gets.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <deque>
#include <mutex>

#include "daemon/notify/delivery.hpp"
#include "daemon/notify/notifiers.hpp"
#include "daemon/notify/slack/slack_signature.hpp"
#include "daemon/notify/webhook/webhook_payload.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/request_recorder.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using namespace runbookd::notify;
using namespace std::chrono_literals;
using runbookd::testing::RequestRecorder;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const std::string kRoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";

TestResponse Answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  TestResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// A fake that records every request and answers from a script (the last answer repeating).
struct Fake {
  RequestRecorder recorder;
  std::mutex mu;
  std::deque<TestResponse> script;
  TestHttpServer server{[this](const TestRequest& request) {
    recorder.Add(request);
    std::lock_guard lock(mu);
    TestResponse r = script.front();
    if (script.size() > 1) script.pop_front();
    return r;
  }};
  explicit Fake(std::deque<TestResponse> answers) : script(std::move(answers)) {}
  json::value Body(size_t i) const { return json::parse(recorder.All().at(i).body); }
};

std::shared_ptr<const Notifier> Build(const std::string& type, const std::string& yaml, const NotifierDeps& deps = {}) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  auto built = MakeNotifier(type, doc.root(), deps);
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(built);
  return built->notifier;
}

struct Run {
  DeliveryOutcome outcome;
  std::vector<std::chrono::milliseconds> waits;
};

Run Deliver(std::shared_ptr<const Notifier> notifier, const Notification& n) {
  Run run;
  Delivery::Options options;
  options.sleep = [&run](std::chrono::milliseconds wait) -> asio::awaitable<void> {
    run.waits.push_back(wait);
    co_return;
  };
  options.jitter = [] { return 0.0; };
  const Delivery delivery(std::move(notifier), "test", options);
  asio::io_context io;
  bool done = false;
  asio::co_spawn(io, delivery.Deliver(n), [&](std::exception_ptr e, DeliveryOutcome o) {
    if (e) std::rethrow_exception(e);
    run.outcome = std::move(o);
    done = true;
  });
  io.run();
  REQUIRE(done);
  return run;
}

Notification Incident(NotificationKind kind) {
  Notification n;
  n.kind = kind;
  n.incident_id = 12;
  n.dedup_key = "runbookd-incident-12";
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.state = "open";
  n.summary = "APIEndpointDown: backend-endpoints unhealthy";
  n.labels = {{"service", "ecommerce-backend"}};
  n.opened_at = WallTime(std::chrono::seconds(1714554000));
  n.at = n.opened_at;
  return n;
}

}  // namespace

TEST_CASE("slack: an approval arrives as blocks with Approve and Deny buttons") {
  testing::TempDir dir;
  Fake slack({Answer(200, "ok")});
  const std::string url = dir.Write("url", slack.server.Url("/services/T0/B0/XXXXXXXXXXXXXXXXXXXXXXXX") + "\n");
  const std::string signing = dir.Write("signing", "8f742231b10e8888abcd99yyyzzz85a5\n");
  auto notifier = Build(
      "slack", "webhook_url_file: " + url + "\nchannel: \"#incidents\"\napp: {signing_secret_file: " + signing + "}\n");
  Notification n = Incident(NotificationKind::kApprovalRequested);
  n.action = "rollback-backend";
  n.plan_summary = "undo deployment production/ecommerce-backend";
  n.approval_id = 42;
  const Run run = Deliver(notifier, n);
  CHECK(run.outcome.status == DeliveryStatus::kDelivered);
  REQUIRE(slack.recorder.size() == 1);
  const TestRequest request = slack.recorder.All()[0];
  CHECK(request.method == "POST");
  CHECK(request.target == "/services/T0/B0/XXXXXXXXXXXXXXXXXXXXXXXX");
  CHECK(request.headers.at("content-type") == "application/json");
  const json::value body = slack.Body(0);
  CHECK(body.at("channel") == "#incidents");
  CHECK_FALSE(body.at("text").as_string().empty());
  const json::array& blocks = body.at("blocks").as_array();
  REQUIRE(blocks.size() == 3);
  const json::array& buttons = blocks[2].at("elements").as_array();
  CHECK(buttons.at(0).at("action_id") == "runbookd_approve");
  CHECK(buttons.at(0).at("value") == "42");
  CHECK(buttons.at(1).at("action_id") == "runbookd_deny");
  CHECK(buttons.at(1).at("value") == "42");
}

TEST_CASE("slack: a 400 is one request, with Slack's word in the detail") {
  testing::TempDir dir;
  Fake slack({Answer(400, "invalid_payload")});
  auto notifier = Build("slack", "webhook_url_file: " + dir.Write("url", slack.server.Url("/services/T/B/C")) + "\n");
  const Run run = Deliver(notifier, Incident(NotificationKind::kOpened));
  CHECK(run.outcome.status == DeliveryStatus::kRejected);
  CHECK(slack.recorder.size() == 1);
  CHECK(run.waits.empty());
  CHECK(run.outcome.last.detail == "slack answered 400: invalid_payload");
  CHECK_FALSE(run.outcome.last.retryable);
}

TEST_CASE("pagerduty: trigger then resolve with one dedup_key and the routing key in the body") {
  testing::TempDir dir;
  Fake pd({Answer(202, R"({"status":"success","message":"Event processed","dedup_key":"runbookd-incident-12"})")});
  const std::string spec =
      "routing_key_file: " + dir.Write("key", kRoutingKey + "\n") + "\nurl: " + pd.server.Url("/v2/enqueue") + "\n";
  auto notifier = Build("pagerduty", spec);
  CHECK(Deliver(notifier, Incident(NotificationKind::kOpened)).outcome.status == DeliveryStatus::kDelivered);
  const Run update = Deliver(notifier, Incident(NotificationKind::kUpdate));
  CHECK(update.outcome.status == DeliveryStatus::kSkipped);
  CHECK(update.outcome.last.detail == "skipped");
  CHECK(Deliver(notifier, Incident(NotificationKind::kResolved)).outcome.status == DeliveryStatus::kDelivered);
  REQUIRE(pd.recorder.size() == 2);  // the update was not sent
  CHECK(pd.recorder.Lines() == std::vector<std::string>{"POST /v2/enqueue", "POST /v2/enqueue"});
  const json::value trigger = pd.Body(0);
  const json::value resolve = pd.Body(1);
  CHECK(trigger.at("event_action") == "trigger");
  CHECK(resolve.at("event_action") == "resolve");
  CHECK(trigger.at("dedup_key") == "runbookd-incident-12");
  CHECK(resolve.at("dedup_key") == trigger.at("dedup_key"));
  CHECK(trigger.at("routing_key") == kRoutingKey.c_str());
  CHECK(resolve.at("routing_key") == kRoutingKey.c_str());
  CHECK(trigger.at("payload").at("severity") == "critical");
  CHECK(trigger.at("payload").at("source") == "runbookd");
}

TEST_CASE("pagerduty: 429 with Retry-After 2, then 202: waited at least 2 s, delivered once") {
  testing::TempDir dir;
  Fake pd({Answer(429, "", {{"Retry-After", "2"}}), Answer(202, R"({"status":"success"})")});
  auto notifier = Build("pagerduty", "routing_key_file: " + dir.Write("key", kRoutingKey) +
                                         "\nurl: " + pd.server.Url("/v2/enqueue") + "\n");
  const Run run = Deliver(notifier, Incident(NotificationKind::kOpened));
  CHECK(run.outcome.status == DeliveryStatus::kDelivered);
  REQUIRE(run.waits.size() == 1);
  CHECK(run.waits[0] >= 2s);
  CHECK(pd.recorder.size() == 2);  // the refused one and the one accepted
  CHECK(run.outcome.attempts == 2);
}

TEST_CASE("pagerduty: a 400 is one request, with PagerDuty's message and errors") {
  testing::TempDir dir;
  Fake pd({Answer(400, R"({"status":"invalid event","message":"Event object is invalid","errors":["Length of )"
                       R"('summary' is incorrect"]})")});
  auto notifier = Build("pagerduty", "routing_key_file: " + dir.Write("key", kRoutingKey) +
                                         "\nurl: " + pd.server.Url("/v2/enqueue") + "\n");
  const Run run = Deliver(notifier, Incident(NotificationKind::kOpened));
  CHECK(run.outcome.status == DeliveryStatus::kRejected);
  CHECK(pd.recorder.size() == 1);
  CHECK(run.outcome.last.detail == "pagerduty answered 400: Event object is invalid; Length of 'summary' is incorrect");
}

TEST_CASE("webhook: signed JSON with the configured headers, 5xx retried until 2xx") {
  testing::TempDir dir;
  testing::ManualClock clock;
  Fake hook({Answer(503, "busy"), Answer(204, "")});
  const std::string spec = "url: " + hook.server.Url("/hooks/runbookd") +
                           "\nhmac_secret_file: " + dir.Write("hmac", "whsec-test\n") + "\nheaders: {X-Team: sre}\n";
  auto notifier = Build("webhook", spec, NotifierDeps{&clock});
  const Run run = Deliver(notifier, Incident(NotificationKind::kOpened));
  CHECK(run.outcome.status == DeliveryStatus::kDelivered);
  CHECK(run.waits.size() == 1);
  REQUIRE(hook.recorder.size() == 2);
  const TestRequest request = hook.recorder.All()[1];
  CHECK(request.headers.at("x-team") == "sre");
  CHECK(request.headers.at("content-type") == "application/json");
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock.WallNow().time_since_epoch()).count();
  CHECK(request.headers.at("x-runbookd-signature") ==
        webhook::WebhookSignature(config::Secret("whsec-test"), now, request.body));
  const json::value body = json::parse(request.body);
  CHECK(body.at("version") == "1");
  CHECK(body.at("kind") == "opened");
  CHECK(body.at("incident").at("id") == 12);
}
