#pragma once

#include "daemon/core/clock.hpp"

namespace runbookd::testing {

// A clock that moves only when the test says so.
class ManualClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override { return steady_; }
  WallTime WallNow() const override { return wall_; }
  void Advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += d;
  }

 private:
  SteadyTime steady_{std::chrono::hours(1000)};
  WallTime wall_{std::chrono::seconds(1'800'000'000)};
};

}  // namespace runbookd::testing
