#include "daemon/gates/dependency_gate.hpp"

namespace runbookd::gates {

GateDecision CheckDependency(const GateRequest& request, const std::optional<std::string>& suppressed_by) {
  if (!suppressed_by) return GateDecision::Allow("dependency");
  const std::string who = request.rule.empty() ? std::string("this incident") : "rule " + request.rule;
  return GateDecision::Deny("dependency", "suppressed by dependency " + *suppressed_by + ": " + who + " waits while " +
                                              *suppressed_by + " acts or pages");
}

}  // namespace runbookd::gates
