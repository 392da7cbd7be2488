#pragma once

// The parts of a test case: timeline inputs and expectations (docs/rule-tests.md).

#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/ctl/rule_test_spec.hpp"

namespace runbookd::ctl {

// What reading one test needs from its file.
struct InputContext {
  const RuleTestFile& file;      // probes and rules, for names and suggestions
  bool check_rule_names = true;  // false when the rules failed to load
};

const std::vector<std::string>& ProbeStatusNames();  // healthy, unhealthy, unknown
ProbeStatus ProbeStatusFromName(const std::string& name);
// The reason of a result given without `reason:`: ok, connection_failed or internal_error, so that
// evidence texts read like the daemon's.
ProbeReason DefaultReason(ProbeStatus status);

// A mapping of label names (checked) to values.
rules::LabelSet ReadLabels(const config::Node& node);

// One item of `inputs:`: a probe result, a series of them, an alert, or a Deployment's rollout
// facts. Appends what it reads.
void ReadInput(const config::Node& node, const InputContext& context, std::vector<TimedInput>& out);

// One item of `expect:`.
Checkpoint ReadCheckpoint(const config::Node& node, const InputContext& context);

}  // namespace runbookd::ctl
