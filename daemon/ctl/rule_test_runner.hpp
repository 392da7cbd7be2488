#pragma once

#include <vector>

#include "daemon/ctl/rule_test_spec.hpp"

namespace runbookd::ctl {

// Runs one test case through the daemon's own pieces: FlapDamper (raw results to settled states),
// RuleEvaluator and IncidentBook. Evaluations happen at every multiple of the file's
// evaluation_interval from 0 up to the last time the test mentions, and also at every input time
// (the daemon evaluates after each signal); at each, the inputs due by then are applied in time
// order, then the rules and the book run once. Returns, per checkpoint (in the test's checkpoint
// order), every incident opened so far as of the last evaluation at or before the checkpoint.
std::vector<std::vector<IncidentView>> RunRuleTest(const RuleTestFile& file, const RuleTestCase& test);

}  // namespace runbookd::ctl
