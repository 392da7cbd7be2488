#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace runbookd::ctl {

// `runbookctl test rules FILE...`: runs every test of every file offline (docs/rule-tests.md).
// Prints `OK    name` or `FAIL  name  (FILE:LINE)` with a diff per failing checkpoint, then a
// summary, on `out`; config errors as `FILE:LINE:COL: yaml.path: message` on `err` (the tests of
// such a file do not run). Returns the exit code: 0 when every test passed, 1 otherwise.
int RunRuleTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace runbookd::ctl
