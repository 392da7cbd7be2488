// `runbookctl test rules` with rollout inputs: a rule using recent_rollout, tested offline.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "daemon/ctl/rule_tests.hpp"
#include "tests/support/subprocess.hpp"

using runbookd::testing::TempDir;

namespace {

const char* kRules = R"(
rules:
  - name: BadRollout
    severity: critical
    when:
      all:
        - { probe: api, status: unhealthy }
        - recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m }
    for: 1m
)";

struct Run {
  int exit_code = 0;
  std::string out;
  std::string err;
};

Run TestRules(const TempDir& dir, const std::string& test_file) {
  dir.Write("rules.yaml", kRules);
  const std::string path = dir.Write("rollout.test.yaml", test_file);
  std::ostringstream out, err;
  Run r;
  r.exit_code = runbookd::ctl::RunRuleTests({path}, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

const std::string kHeader = R"(
rule_files: [rules.yaml]
evaluation_interval: 15s
probes:
  api: { initial: healthy }
tests:
)";

}  // namespace

TEST_CASE("rule tests state rollout facts on the timeline", "[rule-tests][rollout]") {
  TempDir dir;
  const Run r = TestRules(dir, kHeader + R"(
  - name: api down right after a rollout opens an incident
    inputs:
      - at: 0s
        rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 7 }
      - { at: 5m, probe: api, every: 15s, series: "unhealthy*8" }
    expect:
      - { at: 5m45s, incidents: [] }
      - at: 6m
        incidents: [ { rule: BadRollout, group: {}, state: open } ]

  - name: api down long after the rollout opens nothing
    inputs:
      - { at: 0s, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 7 } }
      - { at: 31m, probe: api, every: 15s, series: "unhealthy*8" }
    expect:
      - { at: 33m, incidents: [] }

  - name: a rollout reported late counts from when it began
    inputs:
      - at: 40m
        rollout:
          connection: prod
          namespace: production
          deployment: ecommerce-backend
          revision: 8
          previous_revision: 7
          began: 5m
          in_progress: true
      - { at: 40m, probe: api, every: 15s, series: "unhealthy*8" }
    expect:
      # began 35 minutes before the API went down: not within 30m
      - { at: 42m, incidents: [] }

  - name: without rollout facts nothing opens
    inputs:
      - { at: 0s, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 7 } }
      - { at: 1m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, unknown: true } }
      - { at: 1m, probe: api, every: 15s, series: "unhealthy*8" }
    expect:
      - { at: 3m, incidents: [] }
)");
  INFO(r.out << r.err);
  CHECK(r.err.empty());
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "OK    api down right after a rollout opens an incident\n"
        "OK    api down long after the rollout opens nothing\n"
        "OK    a rollout reported late counts from when it began\n"
        "OK    without rollout facts nothing opens\n"
        "\n"
        "4 tests: 4 passed, 0 failed\n");
}

TEST_CASE("rollout inputs are checked like every other input", "[rule-tests][rollout]") {
  TempDir dir;
  const Run r = TestRules(dir, kHeader + R"(
  - name: mistakes
    inputs:
      - { at: 0s, rollout: { connection: prod, namespace: production, deployment: ecommerce-backnd, revision: 7 } }
      - { at: 0s, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend } }
      - { at: 1m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 7, began: 2m } }
      - { at: 1m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 7, previous_revision: 7 } }
      - { at: 2m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, unknown: true, revision: 3 } }
      - { at: 2m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revison: 3 } }
      - { at: 3m, rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, revision: 1 }, probe: api, status: healthy }
    expect:
      - { at: 3m, incidents: [] }
)");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("tests[0].inputs[0].rollout: no recent_rollout condition in the rule files names "
                                    "deployment \"prod/production/ecommerce-backnd\" (did you mean "
                                    "\"prod/production/ecommerce-backend\"?)"));
  CHECK_THAT(r.err, Catch::Contains("tests[0].inputs[1].rollout: missing required key \"revision\""));
  CHECK_THAT(r.err, Catch::Contains("tests[0].inputs[2].rollout.began: began must not be after the input's time"));
  CHECK_THAT(r.err,
             Catch::Contains("tests[0].inputs[3].rollout.previous_revision: previous_revision must be below revision"));
  CHECK_THAT(r.err, Catch::Contains("tests[0].inputs[4].rollout.revision: an unknown rollout has no revision"));
  CHECK_THAT(r.err, Catch::Contains("revison"));
  CHECK_THAT(r.err, Catch::Contains("tests[0].inputs[6]: an input needs exactly one of \"probe\", \"alert\" or "
                                    "\"rollout\""));
  CHECK_THAT(r.out, Catch::Contains("1 file not run"));
}
