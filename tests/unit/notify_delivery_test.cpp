// The retry stage, on a scripted notifier with the waits recorded instead of slept: Retry-After is
// honoured, 4xx is not retried, 5xx is retried until ok, and the attempt and time caps end it.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <deque>

#include "daemon/notify/delivery.hpp"

using namespace runbookd;
using namespace runbookd::notify;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

NotifyResult Ok() {
  NotifyResult r;
  r.ok = true;
  r.http_status = 200;
  r.detail = "ok";
  return r;
}

NotifyResult Status(int status, std::optional<milliseconds> retry_after = std::nullopt) {
  NotifyResult r;
  r.http_status = status;
  r.retryable = status == 429 || status >= 500;
  r.retry_after = retry_after;
  r.detail = "answered " + std::to_string(status);
  return r;
}

// Answers from a script, the last answer repeating; records each attempt's time budget.
class ScriptedNotifier final : public Notifier {
 public:
  explicit ScriptedNotifier(std::deque<NotifyResult> script) : script_(std::move(script)) {}
  asio::awaitable<NotifyResult> Send(const NotifyContext& ctx, const Notification&) const override {
    budgets.push_back(std::chrono::duration_cast<milliseconds>(ctx.deadline - std::chrono::steady_clock::now()));
    NotifyResult r = script_.front();
    if (script_.size() > 1) script_.pop_front();
    co_return r;
  }
  int calls() const { return static_cast<int>(budgets.size()); }
  mutable std::vector<milliseconds> budgets;

 private:
  mutable std::deque<NotifyResult> script_;
};

// Never answers: only the attempt's deadline ends it.
class SilentNotifier final : public Notifier {
 public:
  asio::awaitable<NotifyResult> Send(const NotifyContext&, const Notification&) const override {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(30));
    co_await timer.async_wait(asio::use_awaitable);
    co_return Ok();
  }
};

struct Harness {
  std::vector<milliseconds> waits;
  std::vector<std::string> results;
  Delivery::Options options;

  explicit Harness(DeliveryPolicy policy = {}) {
    options.policy = policy;
    options.sleep = [this](milliseconds wait) -> asio::awaitable<void> {
      waits.push_back(wait);
      co_return;
    };
    options.on_result = [this](const std::string& notifier, std::string_view result) {
      CHECK(notifier == "chat");
      results.emplace_back(result);
    };
    options.jitter = [] { return 1.0; };  // the whole backoff: exact waits
  }

  DeliveryOutcome Run(std::shared_ptr<const Notifier> notifier) {
    const Delivery delivery(std::move(notifier), "chat", options);
    asio::io_context io;
    std::optional<DeliveryOutcome> out;
    Notification n;
    n.incident_id = 3;
    asio::co_spawn(io, delivery.Deliver(n), [&](std::exception_ptr e, DeliveryOutcome o) {
      if (e) std::rethrow_exception(e);
      out = std::move(o);
    });
    io.run();
    REQUIRE(out);
    return *out;
  }
};

}  // namespace

TEST_CASE("delivery: Retry-After is honoured") {
  Harness h;
  auto notifier = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(429, 30s), Ok()});
  const DeliveryOutcome out = h.Run(notifier);
  CHECK(out.status == DeliveryStatus::kDelivered);
  CHECK(out.attempts == 2);
  CHECK(h.waits == std::vector<milliseconds>{30s});  // not the 1 s backoff
  CHECK(h.results == std::vector<std::string>{"retried", "ok"});
}

TEST_CASE("delivery: a 400 is not retried") {
  Harness h;
  auto notifier = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(400), Ok()});
  const DeliveryOutcome out = h.Run(notifier);
  CHECK(out.status == DeliveryStatus::kRejected);
  CHECK(notifier->calls() == 1);
  CHECK(h.waits.empty());
  CHECK(h.results == std::vector<std::string>{"failed"});
  CHECK(out.detail == "answered 400 (not retried)");
  CHECK(out.last.http_status == 400);
}

TEST_CASE("delivery: 5xx is retried with growing waits, then ok") {
  Harness h;
  auto notifier =
      std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(503), Status(500), Status(502), Ok()});
  const DeliveryOutcome out = h.Run(notifier);
  CHECK(out.status == DeliveryStatus::kDelivered);
  CHECK(out.attempts == 4);
  CHECK(h.waits == std::vector<milliseconds>{1s, 2s, 4s});
  CHECK(h.results == std::vector<std::string>{"retried", "retried", "retried", "ok"});
}

TEST_CASE("delivery: max_attempts reached ends with a final failure") {
  Harness h;
  auto notifier = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(503)});
  const DeliveryOutcome out = h.Run(notifier);
  CHECK(out.status == DeliveryStatus::kGaveUp);
  CHECK(notifier->calls() == 5);
  CHECK(h.waits == std::vector<milliseconds>{1s, 2s, 4s, 8s});
  CHECK(h.results == std::vector<std::string>{"retried", "retried", "retried", "retried", "failed"});
  CHECK(out.detail == "answered 503 (gave up: no attempts left)");
}

TEST_CASE("delivery: max_total bounds waits, including a long Retry-After") {
  DeliveryPolicy policy;
  policy.base_delay = 4s;
  policy.max_total = 10s;
  Harness h(policy);
  auto notifier = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(503)});
  DeliveryOutcome out = h.Run(notifier);
  CHECK(out.status == DeliveryStatus::kGaveUp);
  CHECK(h.waits == std::vector<milliseconds>{4s});  // 4 s + 8 s would pass 10 s
  CHECK(notifier->calls() == 2);
  CHECK(out.detail.find("would be past max_total") != std::string::npos);

  Harness patient;
  auto limited = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(429, 1h), Ok()});
  out = patient.Run(limited);
  CHECK(out.status == DeliveryStatus::kGaveUp);
  CHECK(patient.waits.empty());  // waiting less than Retry-After would only be refused again
  CHECK(limited->calls() == 1);
  CHECK(patient.results == std::vector<std::string>{"failed"});
}

TEST_CASE("delivery: backoff is capped and jittered into its upper half") {
  DeliveryPolicy policy;
  policy.base_delay = 1s;
  policy.max_delay = 5s;
  Harness h(policy);
  h.options.jitter = [] { return 0.0; };
  const Delivery low(std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Ok()}), "chat", h.options);
  CHECK(low.Backoff(1, std::nullopt) == 500ms);
  CHECK(low.Backoff(3, std::nullopt) == 2s);
  CHECK(low.Backoff(10, std::nullopt) == 2500ms);
  CHECK(low.Backoff(60, std::nullopt) == 2500ms);  // no overflow
  CHECK(low.Backoff(1, 7s) == 7s);
  h.options.jitter = [] { return 1.0; };
  const Delivery high(std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Ok()}), "chat", h.options);
  CHECK(high.Backoff(10, std::nullopt) == 5s);
  h.options.jitter = {};
  const Delivery random(std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Ok()}), "chat", h.options);
  for (int i = 0; i < 50; ++i) {
    const milliseconds wait = random.Backoff(2, std::nullopt);
    CHECK(wait >= 1s);
    CHECK(wait <= 2s);
  }
}

TEST_CASE("delivery: each attempt has its own deadline") {
  DeliveryPolicy policy;
  policy.attempt_timeout = 50ms;
  policy.max_attempts = 2;
  Harness h(policy);
  const DeliveryOutcome out = h.Run(std::make_shared<SilentNotifier>());
  CHECK(out.status == DeliveryStatus::kGaveUp);
  CHECK(out.attempts == 2);
  CHECK(out.last.retryable);
  CHECK(out.last.detail == "no answer within the attempt's timeout of 50ms");

  Harness budgets(policy);
  auto notifier = std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(503), Ok()});
  budgets.Run(notifier);
  REQUIRE(notifier->calls() == 2);
  for (milliseconds budget : notifier->budgets) {
    CHECK(budget <= 50ms);
    CHECK(budget > 0ms);
  }
}

TEST_CASE("delivery: a kind the notifier does not carry counts as skipped") {
  Harness h;
  NotifyResult skipped = Ok();
  skipped.skipped = true;
  skipped.detail = "skipped";
  const DeliveryOutcome out = h.Run(std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{skipped}));
  CHECK(out.status == DeliveryStatus::kSkipped);
  CHECK(out.ok());
  CHECK(h.results == std::vector<std::string>{"skipped"});
}

TEST_CASE("delivery: cancelling it while it waits ends it as cancelled") {
  Harness h;
  asio::io_context io;
  asio::cancellation_signal cancel;
  h.options.sleep = [&](milliseconds wait) -> asio::awaitable<void> {
    h.waits.push_back(wait);
    asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });  // shutdown, mid-wait
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(30));
    co_await timer.async_wait(asio::use_awaitable);
  };
  const Delivery delivery(std::make_shared<ScriptedNotifier>(std::deque<NotifyResult>{Status(503), Ok()}), "chat",
                          h.options);
  std::optional<DeliveryOutcome> out;
  asio::co_spawn(io, delivery.Deliver(Notification{}),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, DeliveryOutcome o) {
                   if (e) std::rethrow_exception(e);
                   out = std::move(o);
                 }));
  io.run();
  REQUIRE(out);
  CHECK(out->status == DeliveryStatus::kCancelled);
  CHECK(out->detail == "cancelled while waiting to retry");
  CHECK(out->attempts == 1);
  CHECK(h.results == std::vector<std::string>{"retried"});
}
