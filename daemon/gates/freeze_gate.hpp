#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/core/gate.hpp"

// Many targets failing at once means suspect the observer (ARCHITECTURE.md §5, lesson 3): the
// bastion's network, DNS or credentials, not the whole estate. Acting then would restart healthy
// services, so every action is frozen and a human is paged.
namespace runbookd::gates {

// The latest status of every probe.
struct ProbeStatusCounts {
  int64_t healthy = 0;
  int64_t unhealthy = 0;
  // Could not decide (its own timeout, a resolver or credential failure). That is what a broken
  // observer looks like, so for the freeze it counts as unhealthy.
  int64_t unknown = 0;

  int64_t total() const { return healthy + unhealthy + unknown; }
  int64_t failing() const { return unhealthy + unknown; }
};

struct FreezeSettings {
  double max_unhealthy_ratio = 0.5;  // freeze when more than this share fails; 1 never freezes
  int64_t min_probes = 4;            // fewer probes than this never freeze (one of two down is no storm)
};

enum class FreezeEdge { kNone, kStarted, kEnded };

// Pure: the app feeds it the counts after each change and pages on kStarted, so one freeze pages
// exactly once however many actions it stops.
class FreezeGate {
 public:
  explicit FreezeGate(FreezeSettings settings) : settings_(settings) {}

  FreezeEdge Evaluate(const ProbeStatusCounts& counts, WallTime now);
  // Deny with escalate=true while frozen.
  GateDecision Check(const GateRequest& request) const;

  bool frozen() const { return since_.has_value(); }
  std::optional<WallTime> frozen_since() const { return since_; }
  // One line for the page and the deny reason: "mass-failure freeze since 10:42:00Z: 5 of 8 ...".
  std::string Describe(WallTime now) const;

 private:
  bool Storm(const ProbeStatusCounts& counts) const;

  FreezeSettings settings_;
  ProbeStatusCounts latest_;
  std::optional<WallTime> since_;
};

}  // namespace runbookd::gates
