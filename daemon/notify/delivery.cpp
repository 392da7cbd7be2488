#include "daemon/notify/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <random>
#include <variant>

namespace runbookd::notify {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

namespace {

asio::awaitable<void> TimerSleep(milliseconds wait) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  co_await timer.async_wait(asio::use_awaitable);
}

double RandomFraction() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool IsCancellation(const boost::system::system_error& e) { return e.code() == asio::error::operation_aborted; }

std::string Ms(milliseconds d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

std::string_view ToString(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kSkipped:
      return "skipped";
    case DeliveryStatus::kRejected:
      return "rejected";
    case DeliveryStatus::kGaveUp:
      return "gave_up";
    case DeliveryStatus::kCancelled:
      return "cancelled";
  }
  return "gave_up";
}

Delivery::Delivery(std::shared_ptr<const Notifier> notifier, std::string name, Options options)
    : notifier_(std::move(notifier)), name_(std::move(name)), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = TimerSleep;
  if (!options_.jitter) options_.jitter = RandomFraction;
  options_.policy.max_attempts = std::max(1, options_.policy.max_attempts);
}

milliseconds Delivery::Backoff(int attempt, std::optional<milliseconds> retry_after) const {
  const DeliveryPolicy& p = options_.policy;
  milliseconds delay = std::max(p.base_delay, milliseconds(0));
  for (int i = 1; i < attempt && delay < p.max_delay; ++i) delay *= 2;
  delay = std::min(delay, p.max_delay);
  // Jitter spreads the retries of many incidents that failed together (one Slack outage).
  const double fraction = std::clamp(options_.jitter(), 0.0, 1.0);
  milliseconds wait = delay / 2 + milliseconds(static_cast<int64_t>(static_cast<double>(delay.count() / 2) * fraction));
  if (retry_after) wait = std::max(wait, *retry_after);
  return wait;
}

void Delivery::Report(std::string_view result) const {
  if (options_.on_result) options_.on_result(name_, result);
}

DeliveryOutcome Delivery::End(DeliveryOutcome& out, DeliveryStatus status, std::string detail,
                              const Notification& n) const {
  out.status = status;
  out.detail = std::move(detail);
  if (options_.logger) {
    const auto level = out.ok()                               ? spdlog::level::debug
                       : status == DeliveryStatus::kCancelled ? spdlog::level::warn
                                                              : spdlog::level::err;
    options_.logger->log(level, "notifier {}: {} notification for incident {}: {} after {} attempt(s): {}", name_,
                         ToString(n.kind), n.incident_id, ToString(status), out.attempts, out.detail);
  }
  return std::move(out);
}

asio::awaitable<NotifyResult> Delivery::Attempt(const Notification& n, milliseconds timeout) const {
  const auto executor = co_await asio::this_coro::executor;
  const NotifyContext ctx{executor, std::chrono::steady_clock::now() + timeout};
  // The notifier honours the deadline itself; the timer bounds one that does not.
  asio::steady_timer deadline(executor, ctx.deadline);
  NotifyResult result;
  try {
    auto raced = co_await (notifier_->Send(ctx, n) || deadline.async_wait(asio::use_awaitable));
    if (raced.index() == 0) co_return std::get<0>(std::move(raced));
    result.retryable = true;
    result.detail = "no answer within the attempt's timeout of " + Ms(timeout);
  } catch (const boost::system::system_error& e) {
    if (IsCancellation(e)) throw;
    result.detail = std::string("the notifier failed: ") + e.what();
  } catch (const std::exception& e) {
    result.detail = std::string("the notifier failed: ") + e.what();
  }
  co_return result;
}

asio::awaitable<DeliveryOutcome> Delivery::Deliver(Notification n) const {
  const DeliveryPolicy& policy = options_.policy;
  DeliveryOutcome out;
  milliseconds spent{0};
  for (int attempt = 1;; ++attempt) {
    const milliseconds timeout = std::min(policy.attempt_timeout, std::max(policy.max_total - spent, milliseconds(1)));
    const auto started = std::chrono::steady_clock::now();
    bool cancelled = false;
    try {
      out.last = co_await Attempt(n, timeout);
    } catch (const boost::system::system_error& e) {
      if (!IsCancellation(e)) throw;
      cancelled = true;
    }
    spent += std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    out.attempts = attempt;
    // A cancelled attempt may still return a result (the HTTP client reports cancellation as one).
    const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    cancelled = cancelled || state.cancelled() != asio::cancellation_type::none;
    if (cancelled) co_return End(out, DeliveryStatus::kCancelled, "cancelled", n);
    const NotifyResult& r = out.last;
    if (r.ok) {
      Report(r.skipped ? "skipped" : "ok");
      co_return End(out, r.skipped ? DeliveryStatus::kSkipped : DeliveryStatus::kDelivered, r.detail, n);
    }
    if (!r.retryable) {
      Report("failed");
      co_return End(out, DeliveryStatus::kRejected, r.detail + " (not retried)", n);
    }
    if (attempt >= policy.max_attempts) {
      Report("failed");
      co_return End(out, DeliveryStatus::kGaveUp, r.detail + " (gave up: no attempts left)", n);
    }
    const milliseconds wait = Backoff(attempt, r.retry_after);
    if (spent + wait > policy.max_total) {
      Report("failed");
      co_return End(out, DeliveryStatus::kGaveUp,
                    r.detail + " (gave up: the next attempt, in " + Ms(wait) + ", would be past max_total " +
                        Ms(policy.max_total) + ")",
                    n);
    }
    Report("retried");
    if (options_.logger) {
      options_.logger->warn(
          "notifier {}: {} notification for incident {} not delivered (attempt {} of {}): {}; next "
          "attempt in {}",
          name_, ToString(n.kind), n.incident_id, attempt, policy.max_attempts, r.detail, Ms(wait));
    }
    try {
      co_await options_.sleep(wait);
    } catch (const boost::system::system_error& e) {
      if (!IsCancellation(e)) throw;
      cancelled = true;
    }
    if (cancelled) co_return End(out, DeliveryStatus::kCancelled, "cancelled while waiting to retry", n);
    spent += wait;
  }
}

}  // namespace runbookd::notify
