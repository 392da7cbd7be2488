#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"

namespace runbookd {

// When each probe runs: pure bookkeeping over a steady time line, no timers, so unit tests drive
// it with a manual clock. First runs are spread across the interval by a hash of the probe name
// (deterministic, so a restart keeps the same phase and a fleet of probes never fires at once).
// A probe whose previous run is still going when it comes due again is skipped and counted.
class ProbeSchedule {
 public:
  using Duration = std::chrono::milliseconds;

  struct Due {
    std::vector<size_t> start;    // run these now
    std::vector<size_t> skipped;  // due, but the previous run is still in flight
  };

  // Adds a probe and returns its index; the first run is at start + PhaseOffset(name, interval).
  size_t Add(std::string_view name, Duration interval, SteadyTime start);
  static Duration PhaseOffset(std::string_view name, Duration interval);

  bool empty() const { return slots_.empty(); }
  SteadyTime NextDue() const;
  // Everything due at `now`. Each due slot moves to its first multiple of the interval after now,
  // so a stalled loop does not replay missed runs.
  Due TakeDue(SteadyTime now);
  // The run started by TakeDue for slot `i` has ended.
  void Finished(size_t i);
  bool running(size_t i) const { return slots_[i].running; }
  uint64_t skipped(size_t i) const { return slots_[i].skipped; }

 private:
  struct Slot {
    Duration interval;
    SteadyTime next;
    bool running = false;
    uint64_t skipped = 0;
  };
  std::vector<Slot> slots_;
};

}  // namespace runbookd
