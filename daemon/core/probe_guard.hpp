#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <exception>

#include "daemon/core/probe_result.hpp"

namespace runbookd {

// Runs a probe's `check(ProbeResult&)` coroutine with the bookkeeping every run needs: the
// duration, and exceptions turned into results (a cancelled coroutine throws operation_aborted
// at its next co_await; that is the deadline, so the result is unknown/timeout).
template <typename Check>
boost::asio::awaitable<ProbeResult> RunGuarded(Check check) {
  const auto start = std::chrono::steady_clock::now();
  ProbeResult result;
  try {
    co_await check(result);
  } catch (const boost::system::system_error& e) {
    if (e.code() == boost::asio::error::operation_aborted) {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
    } else {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kInternalError, e.what());
    }
  } catch (const std::exception& e) {
    result.Conclude(ProbeStatus::kUnknown, ProbeReason::kInternalError, e.what());
  }
  result.duration = std::chrono::steady_clock::now() - start;
  co_return result;
}

}  // namespace runbookd
