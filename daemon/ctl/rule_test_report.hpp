#pragma once

#include <string>
#include <vector>

#include "daemon/ctl/rule_test_spec.hpp"

namespace runbookd::ctl {

// `{rule: APIEndpointDown, group: {service: api}, state: open, suppressed_by: postgres}`, with
// `events: [...]` when asked: one line of YAML flow style, so it can be pasted into a test.
std::string FormatIncident(const IncidentView& incident, bool with_events);

// Empty when `got` holds exactly the expected incidents (in any order). Otherwise the lines of a
// diff: each expected incident not found as `- expected: ...`, followed by the incident of the same
// rule and group that was found instead (if any) as `+ got:      ...`, then the other surplus.
std::vector<std::string> DiffIncidents(const std::vector<ExpectedIncident>& expected,
                                       const std::vector<IncidentView>& got);

}  // namespace runbookd::ctl
