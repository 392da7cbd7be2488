#pragma once

#include <string>

#include "config/diagnostics.hpp"
#include "daemon/ctl/rule_test_spec.hpp"

namespace runbookd::ctl {

// Reads a rule test file and the rule files it names. Every problem goes to `diagnostics` as
// `FILE:LINE:COL: yaml.path: message`, unknown keys included; the result is usable only when the
// diagnostics stayed empty.
RuleTestFile LoadRuleTestFile(const std::string& file, config::Diagnostics& diagnostics);

// Alertmanager's fingerprint of a label set (Prometheus' model.LabelSet.Fingerprint: FNV-1a 64
// over sorted names and values, each followed by 0xff), as 16 hex digits.
std::string AlertFingerprint(const rules::LabelSet& labels);

}  // namespace runbookd::ctl
