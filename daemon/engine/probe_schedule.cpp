#include "daemon/engine/probe_schedule.hpp"

#include <algorithm>

namespace runbookd {

ProbeSchedule::Duration ProbeSchedule::PhaseOffset(std::string_view name, Duration interval) {
  if (interval.count() <= 0) return Duration::zero();
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return Duration(static_cast<int64_t>(hash % static_cast<uint64_t>(interval.count())));
}

size_t ProbeSchedule::Add(std::string_view name, Duration interval, SteadyTime start) {
  slots_.push_back(Slot{interval, start + PhaseOffset(name, interval)});
  return slots_.size() - 1;
}

SteadyTime ProbeSchedule::NextDue() const {
  SteadyTime next = SteadyTime::max();
  for (const auto& s : slots_) next = std::min(next, s.next);
  return next;
}

ProbeSchedule::Due ProbeSchedule::TakeDue(SteadyTime now) {
  Due due;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (s.next > now) continue;
    if (s.running) {
      ++s.skipped;
      due.skipped.push_back(i);
    } else {
      s.running = true;
      due.start.push_back(i);
    }
    const auto behind = now - s.next;
    const int64_t steps = behind / s.interval + 1;
    s.next += s.interval * steps;
  }
  return due;
}

void ProbeSchedule::Finished(size_t i) { slots_[i].running = false; }

}  // namespace runbookd
