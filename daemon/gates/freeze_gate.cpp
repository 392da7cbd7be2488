#include "daemon/gates/freeze_gate.hpp"

#include <cmath>

#include "daemon/gates/time_text.hpp"

namespace runbookd::gates {

bool FreezeGate::Storm(const ProbeStatusCounts& counts) const {
  const int64_t total = counts.total();
  if (total <= 0 || total < settings_.min_probes) return false;
  return static_cast<double>(counts.failing()) > settings_.max_unhealthy_ratio * static_cast<double>(total);
}

FreezeEdge FreezeGate::Evaluate(const ProbeStatusCounts& counts, WallTime now) {
  latest_ = counts;
  const bool storm = Storm(counts);
  if (storm == frozen()) return FreezeEdge::kNone;
  if (storm) {
    since_ = now;
    return FreezeEdge::kStarted;
  }
  since_.reset();
  return FreezeEdge::kEnded;
}

std::string FreezeGate::Describe(WallTime now) const {
  const auto percent = static_cast<int64_t>(std::lround(settings_.max_unhealthy_ratio * 100));
  std::string text = "mass-failure freeze";
  if (since_) text += " since " + ClockText(*since_, now);
  return text + ": " + std::to_string(latest_.failing()) + " of " + std::to_string(latest_.total()) +
         " probes unhealthy or unknown (more than " + std::to_string(percent) +
         "%); suspect the observer before the targets";
}

GateDecision FreezeGate::Check(const GateRequest& request) const {
  if (!frozen()) return GateDecision::Allow("freeze");
  return GateDecision::Deny("freeze", Describe(request.now), true);
}

}  // namespace runbookd::gates
