#pragma once

#include <optional>
#include <string>

#include "daemon/core/gate.hpp"

// Root cause first (ARCHITECTURE.md §5, lesson 6): while a dependency's rule fires, the
// remediations of its dependents wait, and the dependency's own rule acts or pages.
namespace runbookd::gates {

// `suppressed_by` is the incident's: the rule of the dependency that is down, e.g. "DatabaseDown".
// A deny does not page: the dependency's incident does.
GateDecision CheckDependency(const GateRequest& request, const std::optional<std::string>& suppressed_by);

}  // namespace runbookd::gates
