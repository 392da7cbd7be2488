#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd {

// What one run of a probe may use. The deadline is absolute: every I/O step of the run must
// end by then. The core also races the run against the deadline and cancels it (per-operation
// cancellation through the coroutine's cancellation slot), so a probe that honours neither
// still cannot overrun by more than one scheduling step.
struct ProbeContext {
  boost::asio::any_io_executor executor;
  SteadyTime deadline;
};

// One configured check. Immutable after construction: everything it touches (executor, clock,
// logger, named client) was injected when it was built, and Run is const.
class Probe {
 public:
  virtual ~Probe() = default;
  // Makes one attempt and says what happened; the core decides what to do about it.
  virtual boost::asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const = 0;
};

}  // namespace runbookd
