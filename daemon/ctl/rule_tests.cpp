#include "daemon/ctl/rule_tests.hpp"

#include "config/duration.hpp"
#include "daemon/ctl/rule_test_parser.hpp"
#include "daemon/ctl/rule_test_report.hpp"
#include "daemon/ctl/rule_test_runner.hpp"

namespace runbookd::ctl {

namespace {

struct Tally {
  size_t passed = 0;
  size_t failed = 0;
  size_t broken_files = 0;
};

// The failure report of one test, or an empty string when it passed.
std::string CheckTest(const RuleTestFile& file, const RuleTestCase& test) {
  const auto seen = RunRuleTest(file, test);
  std::string report;
  for (size_t i = 0; i < test.checkpoints.size(); ++i) {
    const auto lines = DiffIncidents(test.checkpoints[i].incidents, seen[i]);
    if (lines.empty()) continue;
    report += "  at " + config::FormatDuration(test.checkpoints[i].at) + ", incidents differ:\n";
    for (const auto& line : lines) report += "  " + line + "\n";
  }
  return report;
}

void RunFile(const std::string& path, std::ostream& out, std::ostream& err, Tally& tally) {
  config::Diagnostics diagnostics;
  const RuleTestFile file = LoadRuleTestFile(path, diagnostics);
  if (!diagnostics.empty()) {
    err << diagnostics.Format();
    ++tally.broken_files;
    return;
  }
  for (const auto& test : file.tests) {
    const std::string failure = CheckTest(file, test);
    if (failure.empty()) {
      out << "OK    " << test.name << "\n";
      ++tally.passed;
    } else {
      out << "FAIL  " << test.name << "  (" << test.where.file << ":" << test.where.line << ")\n" << failure;
      ++tally.failed;
    }
  }
}

}  // namespace

int RunRuleTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  Tally tally;
  for (const auto& file : files) RunFile(file, out, err, tally);
  const size_t total = tally.passed + tally.failed;
  out << "\n"
      << total << (total == 1 ? " test: " : " tests: ") << tally.passed << " passed, " << tally.failed << " failed";
  if (tally.broken_files > 0) {
    out << "; " << tally.broken_files << (tally.broken_files == 1 ? " file" : " files") << " not run (errors above)";
  }
  out << "\n";
  out.flush();
  return tally.failed == 0 && tally.broken_files == 0 ? 0 : 1;
}

}  // namespace runbookd::ctl
