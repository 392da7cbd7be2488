#include <catch2/catch.hpp>

#include "tests/unit/rules_test_util.hpp"

using namespace runbookd;
using namespace runbookd::rules;
using namespace runbookd::rules::testing;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("a full rule parses into the model", "[rules][parser]") {
  const auto rules = ValidRules(R"(
rules:
  - name: APIEndpointDown
    severity: critical
    labels: { team: sre }
    when:
      any:
        - { probe: api, status: unhealthy, consecutive: 3 }
        - alert: { alertname: APIEndpointDown, severity: "=~critical|page", env: "!=staging" }
        - not: { probe: api, status: healthy }
    for: 1m
    resolve_after: 10m
    depends_on: [postgres, DatabaseDown]
    group_by: [service]
    then:
      - { action: notify-oncall }
      - { action: rollback-backend, if: { probe: api, status: unhealthy } }
  - name: DatabaseDown
    severity: high
    when: { probe: postgres, status: unhealthy }
)");
  REQUIRE(rules.size() == 2);
  const Rule& r = rules[0];
  CHECK(r.name == "APIEndpointDown");
  CHECK(r.severity == Severity::kCritical);
  CHECK(r.labels == LabelSet{{"team", "sre"}});
  CHECK(r.for_duration == minutes(1));
  CHECK(r.resolve_after == minutes(10));
  CHECK(r.group_by == std::vector<std::string>{"service"});
  REQUIRE(r.depends_on.size() == 2);
  CHECK((r.depends_on[0].kind == DependencyKind::kProbe && r.depends_on[0].name == "postgres"));
  CHECK((r.depends_on[1].kind == DependencyKind::kRule && r.depends_on[1].name == "DatabaseDown"));
  CHECK(Describe(r.when) ==
        "any(probe api is unhealthy 3 times in a row, alert {alertname=\"APIEndpointDown\","
        "severity=~\"critical|page\",env!=\"staging\"}, not(probe api is healthy))");
  REQUIRE(r.then.size() == 2);
  CHECK(r.then[0].action == "notify-oncall");
  CHECK_FALSE(r.then[0].condition);
  REQUIRE(r.then[1].condition);
  CHECK(Describe(*r.then[1].condition) == "probe api is unhealthy");
}

TEST_CASE("defaults: for 0, resolve_after 5m, settled probe state", "[rules][parser]") {
  const auto rules = ValidRules(R"(
rules:
  - name: R
    severity: info
    when: { probe: api, status: unknown }
    depends_on: redis
)");
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].for_duration == seconds(0));
  CHECK(rules[0].resolve_after == minutes(5));
  CHECK(rules[0].depends_on.size() == 1);
  const auto& probe = std::get<ProbeCondition>(rules[0].when.kind);
  CHECK(probe.status == ProbeStatus::kUnknown);
  CHECK_FALSE(probe.consecutive);
}

TEST_CASE("an unknown key is rejected with a suggestion", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: R
    severity: critical
    when: { probe: api, status: unhealthy, consecutiv: 2 }
    resolve_afer: 1m
)") == "rules.yaml:5:44: rules[0].when.consecutiv: unknown key \"consecutiv\" (did you mean \"consecutive\"?)\n"
       "rules.yaml:6:5: rules[0].resolve_afer: unknown key \"resolve_afer\" (did you mean \"resolve_after\"?)\n");
}

TEST_CASE("a bad regex is an error at its value", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: R
    severity: critical
    when: { alert: { alertname: X, severity: "=~(critical|page" } }
)") == "rules.yaml:5:46: rules[0].when.alert.severity: invalid regular expression \"(critical|page\": "
       "Mismatched '(' and ')' in regular expression\n");
}

TEST_CASE("unknown probe references are errors with a suggestion", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: R
    severity: critical
    when:
      all:
        - { probe: apii, status: unhealthy }
    depends_on: [postgress]
)") == "rules.yaml:7:20: rules[0].when.all[0].probe: unknown probe \"apii\" (did you mean \"api\"?)\n"
       "rules.yaml:8:18: rules[0].depends_on[0]: unknown probe or rule \"postgress\" (did you mean \"postgres\"?)\n");
}

TEST_CASE("a dependency cycle among rules is an error naming the cycle", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: A
    severity: critical
    when: { probe: api, status: unhealthy }
    depends_on: [B]
  - name: B
    severity: critical
    when: { probe: api, status: unhealthy }
    depends_on: [postgres, C]
  - name: C
    severity: critical
    when: { probe: api, status: unhealthy }
    depends_on: [A]
  - name: Self
    severity: info
    when: { probe: api, status: unhealthy }
    depends_on: Self
)") == "rules.yaml:14:18: rules[2].depends_on[0]: dependency cycle: A -> B -> C -> A\n"
       "rules.yaml:18:17: rules[3].depends_on: dependency cycle: Self -> Self\n");
}

TEST_CASE("duplicate rule names, ambiguous dependencies, missing keys", "[rules][parser]") {
  config::Diagnostics diagnostics;
  ParseRulesYaml(R"(
rules:
  - name: api
    severity: critical
    when: { probe: api, status: unhealthy }
  - name: api
    severity: urgent
    when: { probe: api }
    depends_on: [api]
)",
                 diagnostics);
  CHECK(diagnostics.Format() ==
        "rules.yaml:6:11: rules[1].name: duplicate rule name \"api\" (first defined at rules.yaml:3:11)\n"
        "rules.yaml:7:15: rules[1].severity: unknown value \"urgent\"; expected one of: critical, high, warning, info\n"
        "rules.yaml:8:11: rules[1].when: missing required key \"status\"\n"
        "rules.yaml:9:18: rules[1].depends_on[0]: \"api\" names both a probe and a rule; rename one of them\n");
}

TEST_CASE("malformed conditions are errors at the condition", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: R
    severity: critical
    when:
      any:
        - { probe: api, status: unhealthy, alert: { alertname: X } }
        - {}
        - any: []
        - alert: {}
        - alert: { service: !=foo, team: "" }
        - alert: { bad-name: x }
        - { probe: api, status: sick, consecutive: 0 }
)") == "rules.yaml:7:11: rules[0].when.any[0]: a condition has exactly one of probe, alert, recent_rollout, all, any, "
       "not, found probe "
       "and alert (combine them with all: or any:)\n"
       "rules.yaml:8:11: rules[0].when.any[1]: a condition needs one of: probe, alert, recent_rollout, all, any, "
       "not\n"
       "rules.yaml:9:16: rules[0].when.any[2].any: any needs at least one condition\n"
       "rules.yaml:10:18: rules[0].when.any[3].alert: alert needs at least one label matcher, e.g. "
       "{alertname: APIEndpointDown}\n"
       "rules.yaml:11:29: rules[0].when.any[4].alert.service: empty matcher: quote values that start with \"!\" "
       "(\"!=foo\"), and write \"=\" to match an absent label\n"
       "rules.yaml:11:42: rules[0].when.any[4].alert.team: empty matcher: quote values that start with \"!\" "
       "(\"!=foo\"), and write \"=\" to match an absent label\n"
       "rules.yaml:12:30: rules[0].when.any[5].alert.bad-name: invalid label name \"bad-name\"\n"
       "rules.yaml:13:33: rules[0].when.any[6].status: unknown value \"sick\"; expected one of: unhealthy, unknown, "
       "healthy\n"
       "rules.yaml:13:52: rules[0].when.any[6].consecutive: must be between 1 and 1000000, got 0\n");
}

TEST_CASE("group_by needs a signal that carries labels", "[rules][parser]") {
  CHECK(ParseErrors(R"(
rules:
  - name: NoWatchdog
    severity: critical
    when: { not: { alert: { alertname: Watchdog } } }
    group_by: [cluster, cluster]
)") == "rules.yaml:6:15: rules[0].group_by: group_by needs a probe or alert condition outside \"not\" to take "
       "group labels from\n"
       "rules.yaml:6:25: rules[0].group_by[1]: label \"cluster\" is listed twice\n");
}

TEST_CASE("rules from several documents share one namespace", "[rules][parser]") {
  config::Diagnostics diagnostics;
  auto main_doc = config::Document::Parse(
      "rules:\n  - {name: A, severity: info, when: {probe: api, status: unhealthy}, depends_on: [B]}\n", "main.yaml",
      diagnostics);
  auto pack_doc = config::Document::Parse(
      "rules:\n  - {name: B, severity: info, when: {probe: api, status: unhealthy}}\n", "pack.yaml", diagnostics);
  RuleParser parser({"api"});
  parser.Read(main_doc.root()["rules"]);
  parser.Read(pack_doc.root()["rules"]);
  const auto rules = parser.Finish();
  main_doc.CheckUnknownKeys();
  pack_doc.CheckUnknownKeys();
  CHECK(diagnostics.Format() == "");
  REQUIRE(rules.size() == 2);
  REQUIRE(rules[0].depends_on.size() == 1);
  CHECK(rules[0].depends_on[0].kind == DependencyKind::kRule);
}
