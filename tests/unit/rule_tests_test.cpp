// `runbookctl test rules`: the shipped example passes, wrong expectations fail with a readable
// diff, config errors are reported at their place, misuse is a usage error.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

using runbookd::testing::RunCommand;
using runbookd::testing::TempDir;

namespace {

const std::string kRunbookctl = std::string(RUNBOOKD_BINARY_DIR) + "/daemon/ctl/runbookctl";

runbookd::testing::CommandResult TestRules(const std::vector<std::string>& files, const std::string& cwd) {
  std::vector<std::string> argv = {kRunbookctl, "test", "rules"};
  argv.insert(argv.end(), files.begin(), files.end());
  return RunCommand(argv, cwd);
}

}  // namespace

TEST_CASE("the shipped service-outage pack passes its tests", "[rule-tests]") {
  auto r = TestRules({"config/packs/service-outage.test.yaml"}, RUNBOOKD_SOURCE_DIR);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "OK    api down opens an incident after a minute\n"
        "OK    api down while postgres is down is suppressed by postgres\n"
        "OK    the probe and the alert land in the same incident\n"
        "OK    the alert alone opens the incident and its resolution resolves it after resolve_after\n"
        "OK    a recovered api resolves only after resolve_after and a relapse reopens it\n"
        "OK    a flapping api does not open an incident\n"
        "\n"
        "6 tests: 6 passed, 0 failed\n");
}

TEST_CASE("the test file's directory anchors rule_files, whatever the working directory", "[rule-tests]") {
  auto r = TestRules({std::string(RUNBOOKD_SOURCE_DIR) + "/config/packs/service-outage.test.yaml"}, "/");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("wrong expectations fail with exit 1 and a readable diff", "[rule-tests]") {
  auto r = TestRules({"tests/data/rule-tests/wrong-expectation.test.yaml"}, RUNBOOKD_SOURCE_DIR);
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "OK    api down opens an incident after a minute\n"
        "FAIL  api down after a bad rollout  (tests/data/rule-tests/wrong-expectation.test.yaml:21)\n"
        "  at 2m, incidents differ:\n"
        "  - expected: {rule: APIEndpointDown, group: {}, state: open}\n"
        "  + got:      {rule: APIEndpointDown, group: {}, state: open, suppressed_by: postgres}\n"
        "FAIL  api down opens an incident at once  (tests/data/rule-tests/wrong-expectation.test.yaml:32)\n"
        "  at 30s, incidents differ:\n"
        "  - expected: {rule: APIEndpointDown, group: {}, state: open}\n"
        "  + got:      no incidents\n"
        "  at 1m, incidents differ:\n"
        "  - expected: {rule: APIEndpointDown, group: {}, state: open, events: [opened]}\n"
        "  + got:      {rule: APIEndpointDown, group: {}, state: open, events: [opened, signal]}\n"
        "\n"
        "3 tests: 1 passed, 2 failed\n");
}

TEST_CASE("a failing file fails the run even when another passes", "[rule-tests]") {
  auto r = TestRules({"config/packs/service-outage.test.yaml", "tests/data/rule-tests/wrong-expectation.test.yaml"},
                     RUNBOOKD_SOURCE_DIR);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\n9 tests: 7 passed, 2 failed\n") != std::string::npos);
}

TEST_CASE("config errors in a test file are reported as FILE:LINE:COL with exit 1", "[rule-tests]") {
  auto r = TestRules({"tests/data/rule-tests/config-error.test.yaml"}, RUNBOOKD_SOURCE_DIR);
  CHECK(r.exit_code == 1);
  const std::string file = "tests/data/rule-tests/config-error.test.yaml";
  CHECK(r.err ==
        file + ":6:40: probes.api.fail_after: must be between 1 and 1000, got 0\n" +  //
            file +
            ":14:26: tests[0].inputs[0].probe: probe \"apii\" is not declared under \"probes\" (did you mean "
            "\"api\"?)\n" +
            file + ":15:9: tests[0].inputs[1]: a probe input needs exactly one of \"status\" or \"series\"\n" + file +
            ":15:32: tests[0].inputs[1].stauts: unknown key \"stauts\" (did you mean \"status\"?)\n" + file +
            ":16:40: tests[0].inputs[2].series: unknown status \"helthy\" in series (did you mean \"healthy\"?); " +
            "expected healthy, unhealthy or unknown, optionally followed by *N\n" +  //
            file + ":20:21: tests[0].expect[0].incidents[0].rule: no rule named \"APIEndpointDwn\" in the rule files " +
            "(did you mean \"APIEndpointDown\"?)\n" +  //
            file +
            ":20:44: tests[0].expect[0].incidents[0].state: unknown value \"opened\" (did you mean \"open\"?); " +
            "expected one of: open, resolved\n");
  CHECK(r.out == "\n0 tests: 0 passed, 0 failed; 1 file not run (errors above)\n");
}

TEST_CASE("errors inside a rule file are reported at their place in that file", "[rule-tests]") {
  TempDir dir;
  dir.Write("rules.yaml",
            "rules:\n"
            "  - name: Down\n"
            "    severity: critical\n"
            "    when: { probe: apii, status: unhealthy }\n");
  dir.Write("rules.test.yaml",
            "rule_files: [rules.yaml, missing.yaml]\n"
            "probes: { api: {} }\n"
            "tests: []\n");
  auto r = TestRules({"rules.test.yaml"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "rules.test.yaml:1:26: rule_files[1]: cannot read rule file \"missing.yaml\"\n"
        "rules.yaml:4:20: rules[0].when.probe: unknown probe \"apii\" (did you mean \"api\"?)\n");
}

TEST_CASE("misuse of test rules is a usage error (exit 2)", "[rule-tests]") {
  CHECK(RunCommand({kRunbookctl, "test", "rules"}).exit_code == 2);
  CHECK(RunCommand({kRunbookctl, "test"}).exit_code == 2);
  CHECK(RunCommand({kRunbookctl, "test", "rules", "--no-such-flag", "x.yaml"}).exit_code == 2);
}

TEST_CASE("a test file that cannot be read is a failure (exit 1), not a usage error", "[rule-tests]") {
  auto r = RunCommand({kRunbookctl, "test", "rules", "no-such-file.test.yaml"}, RUNBOOKD_SOURCE_DIR);
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("no-such-file.test.yaml:1:1: ", 0) == 0);
}
