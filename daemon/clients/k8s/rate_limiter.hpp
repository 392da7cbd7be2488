#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "daemon/core/clock.hpp"

namespace runbookd::k8s {

// A token bucket like client-go's (golang.org/x/time/rate): `burst` calls at once, then `qps`
// per second. Callers reserve their slot in arrival order, so a steady stream cannot starve one.
// Time is the real steady clock, the clock of the asio timer that does the waiting, so that a
// test's ManualClock cannot stall it. Used on one event-loop thread only.
class RateLimiter {
 public:
  enum class Outcome { kGranted, kTimeout, kCancelled };

  RateLimiter(double qps, int burst);

  // Waits on a timer until a token is free. When that would be after `deadline`, waits until the
  // deadline and gives kTimeout without taking a token.
  boost::asio::awaitable<Outcome> Acquire(boost::asio::any_io_executor ex, SteadyTime deadline);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void Refill(SteadyTime now);

  double qps_;
  int burst_;
  double tokens_;  // may go negative: slots reserved by callers who are still waiting
  SteadyTime last_;
};

}  // namespace runbookd::k8s
