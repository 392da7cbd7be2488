#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/notifier.hpp"

namespace spdlog {
class logger;
}

// The core's retry stage for notifications: a Notifier makes one attempt, Delivery decides whether
// and when to make the next (Alertmanager's model: retry 429, 5xx and network errors, never 4xx).
namespace runbookd::notify {

struct DeliveryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds base_delay{std::chrono::seconds(1)};  // doubled after each failed attempt...
  std::chrono::milliseconds max_delay{std::chrono::minutes(1)};   // ...up to this
  // Attempts and waits together: a wait that would end past this is not started.
  std::chrono::milliseconds max_total{std::chrono::minutes(10)};
  std::chrono::milliseconds attempt_timeout{std::chrono::seconds(10)};  // each attempt's own deadline
};

enum class DeliveryStatus {
  kDelivered,
  kSkipped,    // the notifier does not carry this kind (nothing was sent)
  kRejected,   // a failure retrying cannot mend (a 4xx, a bad certificate)
  kGaveUp,     // still failing at max_attempts, or the next wait would pass max_total
  kCancelled,  // the caller cancelled the delivery (shutdown)
};
std::string_view ToString(DeliveryStatus status);

struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::kGaveUp;
  int attempts = 0;
  NotifyResult last;   // the last attempt's result
  std::string detail;  // why delivery ended; no secrets (the notifier's detail has none)
  bool ok() const { return status == DeliveryStatus::kDelivered || status == DeliveryStatus::kSkipped; }
};

// Waits this long. Tests inject one that records the waits instead of sleeping.
using SleepFunction = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)>;
// Called once per attempt with its result: "ok", "skipped", "retried" (failed; another attempt
// follows) or "failed" (failed; delivery ends). The daemon counts runbookd_notifications_total with it.
using ResultCallback = std::function<void(const std::string& notifier, std::string_view result)>;

class Delivery {
 public:
  struct Options {
    DeliveryPolicy policy;
    SleepFunction sleep;                     // default: a steady_timer on the delivering coroutine's executor
    ResultCallback on_result;                // may be empty
    std::shared_ptr<spdlog::logger> logger;  // null: nothing is logged
    std::function<double()> jitter;          // a fraction in [0, 1]; default: uniformly random
  };

  Delivery(std::shared_ptr<const Notifier> notifier, std::string name, Options options);

  // Delivers `n` (taken by value: the coroutine may outlive the caller's copy). The Delivery must
  // outlive the returned coroutine. Cancellation (the coroutine's cancellation slot) ends it with
  // kCancelled.
  boost::asio::awaitable<DeliveryOutcome> Deliver(Notification n) const;

  // The wait after failed attempt number `attempt` (1-based): base_delay·2^(attempt−1) capped at
  // max_delay, jittered into [half of it, all of it], and never less than the server's Retry-After.
  std::chrono::milliseconds Backoff(int attempt, std::optional<std::chrono::milliseconds> retry_after) const;

  const std::string& name() const { return name_; }

 private:
  boost::asio::awaitable<NotifyResult> Attempt(const Notification& n, std::chrono::milliseconds timeout) const;
  void Report(std::string_view result) const;
  // Takes `out` by reference: `detail` is often built from out.last, which must not be moved first.
  DeliveryOutcome End(DeliveryOutcome& out, DeliveryStatus status, std::string detail, const Notification& n) const;

  std::shared_ptr<const Notifier> notifier_;
  std::string name_;
  Options options_;
};

}  // namespace runbookd::notify
