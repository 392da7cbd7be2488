#pragma once

#include "daemon/core/probe_result.hpp"

namespace runbookd {

// A probe's settled state. It turns unhealthy (or unknown) only after `fail_after` consecutive
// results saying so, and healthy again only after `recover_after` consecutive healthy ones, so
// one lost packet neither opens nor closes an incident. Before any result the state is unknown:
// missing data is never healthy.
class FlapDamper {
 public:
  FlapDamper(int fail_after = 1, int recover_after = 1);

  // Feeds one result; returns true when the settled state changed.
  bool Observe(ProbeStatus status);

  ProbeStatus state() const { return state_; }
  // The same state and streak under new thresholds (a reload that changed fail_after/recover_after).
  FlapDamper WithThresholds(int fail_after, int recover_after) const;
  // Length of the current run of identical results, and their status.
  int streak() const { return streak_; }
  ProbeStatus streak_status() const { return streak_status_; }

 private:
  int fail_after_;
  int recover_after_;
  ProbeStatus state_ = ProbeStatus::kUnknown;
  ProbeStatus streak_status_ = ProbeStatus::kUnknown;
  int streak_ = 0;
};

}  // namespace runbookd
