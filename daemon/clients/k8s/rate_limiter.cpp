#include "daemon/clients/k8s/rate_limiter.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace runbookd::k8s {

namespace asio = boost::asio;

RateLimiter::RateLimiter(double qps, int burst)
    : qps_(qps > 0 ? qps : 5), burst_(std::max(burst, 1)), tokens_(burst_), last_(std::chrono::steady_clock::now()) {}

void RateLimiter::Refill(SteadyTime now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

asio::awaitable<RateLimiter::Outcome> RateLimiter::Acquire(asio::any_io_executor ex, SteadyTime deadline) {
  const SteadyTime now = std::chrono::steady_clock::now();
  Refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    co_return Outcome::kGranted;
  }
  const auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>((1 - tokens_) / qps_));
  const SteadyTime ready = now + wait;
  asio::steady_timer timer(ex);
  if (ready > deadline) {
    // Not reserving: the caller gives up at its deadline, and the slot stays for others.
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return ec ? Outcome::kCancelled : Outcome::kTimeout;
  }
  tokens_ -= 1;
  timer.expires_at(ready);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    tokens_ += 1;  // hand the reserved slot back
    co_return Outcome::kCancelled;
  }
  co_return Outcome::kGranted;
}

}  // namespace runbookd::k8s
