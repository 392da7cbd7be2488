#include "daemon/core/gate.hpp"

namespace runbookd {

std::string_view ToString(GateVerdict verdict) {
  switch (verdict) {
    case GateVerdict::kAllow:
      return "allow";
    case GateVerdict::kDeny:
      return "deny";
    case GateVerdict::kPending:
      return "pending";
  }
  return "deny";
}

GateDecision GateDecision::Allow(std::string gate, std::string reason) {
  return GateDecision{std::move(gate), GateVerdict::kAllow, std::move(reason), std::nullopt, false};
}

GateDecision GateDecision::Deny(std::string gate, std::string reason, bool escalate) {
  return GateDecision{std::move(gate), GateVerdict::kDeny, std::move(reason), std::nullopt, escalate};
}

GateDecision GateDecision::Pending(std::string gate, std::string reason, WallTime until) {
  return GateDecision{std::move(gate), GateVerdict::kPending, std::move(reason), until, false};
}

}  // namespace runbookd
