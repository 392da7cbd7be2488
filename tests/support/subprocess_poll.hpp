#pragma once

#include <chrono>
#include <thread>

namespace runbookd::testing {

template <typename F>
bool PollUntil(F check, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (check()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace runbookd::testing
