#include <catch2/catch.hpp>

#include "tests/unit/rules_test_util.hpp"

using namespace runbookd;
using namespace runbookd::rules;
using namespace runbookd::rules::testing;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

// The one state of a single-rule, ungrouped evaluation, or nullptr when nothing was reported.
const RuleState* Only(const std::vector<RuleState>& states) { return states.size() == 1 ? &states[0] : nullptr; }

bool ActiveNow(const std::string& when_yaml, const Snapshot& snapshot) {
  Timeline t(ValidRules("rules:\n  - name: R\n    severity: info\n    when: " + when_yaml + "\n"));
  const auto states = t.Step(snapshot);
  return Find(states, "R") != nullptr && Find(states, "R")->active_now;
}

}  // namespace

TEST_CASE("probe status uses the settled state and missing data is unknown", "[rules][eval]") {
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  CHECK(ActiveNow("{probe: api, status: unhealthy}", s));
  CHECK_FALSE(ActiveNow("{probe: api, status: healthy}", s));
  // Raw results say healthy twice, but flap damping has not let the settled state recover yet.
  s.probes["api"].streak_status = ProbeStatus::kHealthy;
  s.probes["api"].streak = 2;
  CHECK(ActiveNow("{probe: api, status: unhealthy}", s));
  // A probe without any result is unknown, never healthy.
  CHECK(ActiveNow("{probe: redis, status: unknown}", s));
  CHECK_FALSE(ActiveNow("{probe: redis, status: healthy}", s));
}

TEST_CASE("consecutive counts the raw streak of that status", "[rules][eval]") {
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kHealthy, ProbeReason::kTimeout, {}, 2);
  s.probes["api"].streak_status = ProbeStatus::kUnhealthy;  // 2 raw failures, not yet settled
  CHECK(ActiveNow("{probe: api, status: unhealthy, consecutive: 2}", s));
  CHECK_FALSE(ActiveNow("{probe: api, status: unhealthy, consecutive: 3}", s));
  CHECK_FALSE(ActiveNow("{probe: api, status: unhealthy}", s));
  CHECK_FALSE(ActiveNow("{probe: api, status: unknown, consecutive: 1}", s));

  Timeline t(
      ValidRules("rules:\n  - {name: R, severity: info, when: {probe: api, status: unhealthy, consecutive: 2}}"));
  const auto first = t.Step(s);
  const RuleState* r = Only(first);
  REQUIRE(r);
  CHECK(EvidenceTexts(*r) == std::vector<std::string>{"probe api is unhealthy 2 times in a row (timeout)"});
}

TEST_CASE("alert matchers: each operator, firing alerts only", "[rules][eval]") {
  Snapshot s;
  s.alerts.push_back(Alert("aaaa", {{"alertname", "APIEndpointDown"}, {"severity", "page"}, {"service", "api"}}));
  s.alerts.push_back(Alert("bbbb", {{"alertname", "Gone"}}, AlertStatus::kResolved));
  CHECK(ActiveNow("{alert: {alertname: APIEndpointDown}}", s));
  CHECK(ActiveNow("{alert: {alertname: APIEndpointDown, severity: \"=~critical|page\"}}", s));
  CHECK_FALSE(ActiveNow("{alert: {alertname: APIEndpointDown, severity: \"=~pag\"}}", s));  // anchored
  CHECK(ActiveNow("{alert: {alertname: APIEndpointDown, service: \"!=foo\"}}", s));
  CHECK_FALSE(ActiveNow("{alert: {alertname: APIEndpointDown, service: \"!=api\"}}", s));
  CHECK(ActiveNow("{alert: {alertname: APIEndpointDown, env: \"!~staging|dev\"}}", s));  // absent label
  CHECK(ActiveNow("{alert: {alertname: APIEndpointDown, env: \"=\"}}", s));              // absent label
  CHECK_FALSE(ActiveNow("{alert: {alertname: APIEndpointDown, env: \"=~.+\"}}", s));
  CHECK_FALSE(ActiveNow("{alert: {alertname: Gone}}", s));  // resolved alerts are not signals
}

TEST_CASE("all, any and not nest", "[rules][eval]") {
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kHttpStatus);
  s.probes["postgres"] = Probe(ProbeStatus::kHealthy);
  s.alerts.push_back(Alert("cccc", {{"alertname", "HighErrorRate"}}));
  CHECK(ActiveNow("{all: [{probe: api, status: unhealthy}, {alert: {alertname: HighErrorRate}}]}", s));
  CHECK_FALSE(ActiveNow("{all: [{probe: api, status: unhealthy}, {alert: {alertname: Other}}]}", s));
  CHECK(ActiveNow("{any: [{alert: {alertname: Other}}, {probe: api, status: unhealthy}]}", s));
  CHECK_FALSE(ActiveNow("{any: [{alert: {alertname: Other}}, {probe: postgres, status: unhealthy}]}", s));
  CHECK(ActiveNow("{not: {alert: {alertname: Watchdog}}}", s));
  CHECK_FALSE(ActiveNow("{not: {not: {alert: {alertname: Watchdog}}}}", s));
  CHECK(
      ActiveNow("{all: [{any: [{probe: api, status: unhealthy}, {alert: {alertname: X}}]}, "
                "{not: {probe: postgres, status: unhealthy}}]}",
                s));

  Timeline t(ValidRules(R"(
rules:
  - name: R
    severity: info
    when:
      all:
        - any: [{probe: api, status: unhealthy}, {alert: {alertname: HighErrorRate}}]
        - not: {probe: postgres, status: unhealthy}
)"));
  const auto first = t.Step(s);
  const RuleState* r = Only(first);
  REQUIRE(r);
  CHECK(EvidenceTexts(*r) == std::vector<std::string>{"probe api is unhealthy (http_status)",
                                                      "alert HighErrorRate fp=cccc",
                                                      "not(probe postgres is unhealthy)"});
}

TEST_CASE("for: pending, then firing once active long enough", "[rules][eval]") {
  Timeline t(ValidRules("rules:\n  - {name: R, severity: info, for: 1m, when: {probe: api, status: unhealthy}}"));
  Snapshot down;
  down.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kTimeout);

  const WallTime start = t.now();
  const auto first = t.Step(down);
  const RuleState* r = Only(first);
  REQUIRE(r);
  CHECK(r->active_now);
  CHECK_FALSE(r->firing);
  CHECK(r->change == StateChange::kActivated);
  CHECK(r->active_since == start);

  auto states = t.Step(down, seconds(59));
  REQUIRE(Only(states));
  CHECK_FALSE(Only(states)->firing);
  CHECK(Only(states)->change == StateChange::kNone);

  states = t.Step(down, seconds(1));
  REQUIRE(Only(states));
  CHECK(Only(states)->firing);
  CHECK(Only(states)->change == StateChange::kFired);
  CHECK(Only(states)->active_since == start);

  states = t.Step(down, seconds(10));
  CHECK(Only(states)->firing);
  CHECK(Only(states)->change == StateChange::kNone);
}

TEST_CASE("a group that stops before for elapses resets and flapping never fires", "[rules][eval]") {
  Timeline t(ValidRules("rules:\n  - {name: R, severity: info, for: 1m, when: {probe: api, status: unhealthy}}"));
  Snapshot down, up;
  down.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kTimeout);
  up.probes["api"] = Probe(ProbeStatus::kHealthy);

  // Down 40s, up, down 40s, ... for ten minutes: active more than half the time, never for a minute.
  for (int i = 0; i < 10; ++i) {
    auto states = t.Step(down, seconds(20));
    REQUIRE(Only(states));
    CHECK(Only(states)->change == StateChange::kActivated);
    states = t.Step(down, seconds(40) - std::chrono::milliseconds(1));
    CHECK_FALSE(Only(states)->firing);
    states = t.Step(up, std::chrono::milliseconds(1));
    REQUIRE(Only(states));
    CHECK(Only(states)->change == StateChange::kReset);
    CHECK_FALSE(Only(states)->active_now);
    CHECK(t.Step(up, seconds(1)).empty());  // forgotten: never fired, nothing to resolve
  }
}

TEST_CASE("resolve_after: inactive_since reported until it passes, then forgotten", "[rules][eval]") {
  Timeline t(ValidRules(
      "rules:\n  - {name: R, severity: info, resolve_after: 5m, when: {alert: {alertname: APIEndpointDown}}}"));
  Snapshot firing, quiet;
  firing.alerts.push_back(Alert("f1", {{"alertname", "APIEndpointDown"}}));

  REQUIRE(Only(t.Step(firing)));
  CHECK(Only(t.Step(firing))->firing);  // for: 0

  const WallTime stopped = t.now() + seconds(10);
  auto states = t.Step(quiet, seconds(10));
  REQUIRE(Only(states));
  CHECK_FALSE(Only(states)->active_now);
  CHECK_FALSE(Only(states)->firing);
  CHECK(Only(states)->change == StateChange::kDeactivated);
  CHECK(Only(states)->inactive_since == stopped);
  CHECK(Only(states)->evidence.empty());

  states = t.Step(quiet, minutes(4));
  REQUIRE(Only(states));
  CHECK(Only(states)->change == StateChange::kNone);
  CHECK(Only(states)->inactive_since == stopped);

  states = t.Step(quiet, minutes(1));
  REQUIRE(Only(states));
  CHECK(Only(states)->change == StateChange::kResolved);
  CHECK(t.Step(quiet, seconds(1)).empty());

  // After being forgotten, a new episode starts from scratch.
  states = t.Step(firing, seconds(1));
  REQUIRE(Only(states));
  CHECK(Only(states)->change == StateChange::kFired);
  CHECK(Only(states)->active_since == t.now());
}

TEST_CASE("a group back within resolve_after continues and inactive_since clears", "[rules][eval]") {
  Timeline t(ValidRules("rules:\n  - {name: R, severity: info, for: 30s, when: {probe: api, status: unhealthy}}"));
  Snapshot down, up;
  down.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kTimeout);
  up.probes["api"] = Probe(ProbeStatus::kHealthy);
  t.Step(down);
  CHECK(Only(t.Step(down, seconds(30)))->change == StateChange::kFired);
  CHECK(Only(t.Step(up, seconds(10)))->change == StateChange::kDeactivated);
  auto states = t.Step(down, seconds(10));
  REQUIRE(Only(states));
  CHECK(Only(states)->change == StateChange::kActivated);
  CHECK_FALSE(Only(states)->inactive_since);
  CHECK_FALSE(Only(states)->firing);  // `for` counts again from the new active run
  // Stopping again before `for` keeps the group (it fired in this episode): not a reset.
  states = t.Step(up, seconds(10));
  CHECK(Only(states)->change == StateChange::kDeactivated);
}

TEST_CASE("grouping: two services give two groups with their own timers", "[rules][eval]") {
  Timeline t(ValidRules(R"(
rules:
  - name: ServiceDown
    severity: critical
    for: 1m
    group_by: [service]
    when:
      any:
        - {alert: {alertname: APIEndpointDown}}
        - {probe: api, status: unhealthy}
)"));
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused, {{"service", "api"}});
  s.alerts.push_back(Alert("a1", {{"alertname", "APIEndpointDown"}, {"service", "api"}, {"pod", "p1"}}));
  s.alerts.push_back(Alert("c1", {{"alertname", "APIEndpointDown"}, {"service", "checkout"}}));

  auto states = t.Step(s);
  REQUIRE(states.size() == 2);
  const RuleState* api = Find(states, "ServiceDown", "service=\"api\"");
  const RuleState* checkout = Find(states, "ServiceDown", "service=\"checkout\"");
  REQUIRE(api);
  REQUIRE(checkout);
  CHECK(api->group_labels == LabelSet{{"service", "api"}});
  // The probe signal and the alert for the same service land in the same group.
  CHECK(EvidenceTexts(*api) ==
        std::vector<std::string>{"alert APIEndpointDown fp=a1", "probe api is unhealthy (connection_refused)"});
  CHECK(EvidenceTexts(*checkout) == std::vector<std::string>{"alert APIEndpointDown fp=c1"});

  // checkout recovers before `for`; api keeps going and fires.
  s.alerts.pop_back();
  states = t.Step(s, seconds(30));
  CHECK(Find(states, "ServiceDown", "service=\"checkout\"")->change == StateChange::kReset);
  states = t.Step(s, seconds(30));
  REQUIRE(states.size() == 1);
  CHECK(Find(states, "ServiceDown", "service=\"api\"")->firing);
}

TEST_CASE("grouping: a signal without the label counts in every group and forms its own", "[rules][eval]") {
  Timeline t(ValidRules(R"(
rules:
  - name: R
    severity: warning
    group_by: [service]
    when:
      all:
        - {alert: {alertname: HighLatency}}
        - {probe: kafka, status: unhealthy}
)"));
  Snapshot s;
  s.probes["kafka"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kTimeout);  // no service label
  s.alerts.push_back(Alert("l1", {{"alertname", "HighLatency"}, {"service", "cart"}}));
  const auto states = t.Step(s);
  // Group "" (kafka alone) is a candidate, but the alert is not in it; "cart" has both.
  REQUIRE(states.size() == 1);
  CHECK(states[0].group_key == "service=\"cart\"");
}

TEST_CASE("without group_by there is one group, even for a lone not", "[rules][eval]") {
  Timeline t(
      ValidRules("rules:\n  - {name: NoWatchdog, severity: critical, when: {not: {alert: {alertname: Watchdog}}}}"));
  const auto first = t.Step(Snapshot{});
  const RuleState* r = Only(first);
  REQUIRE(r);
  CHECK(r->group_key == "");
  CHECK(r->firing);
  CHECK(EvidenceTexts(*r) == std::vector<std::string>{"not(alert {alertname=\"Watchdog\"})"});
}

TEST_CASE("depends_on a probe: suppressed by the first dependency not healthy", "[rules][eval]") {
  Timeline t(ValidRules(R"(
rules:
  - name: APIEndpointDown
    severity: critical
    when: {probe: api, status: unhealthy}
    depends_on: [postgres, redis]
)"));
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kHttpStatus);
  s.probes["postgres"] = Probe(ProbeStatus::kHealthy);
  s.probes["redis"] = Probe(ProbeStatus::kHealthy);
  const auto first = t.Step(s);
  const RuleState* r = Only(first);
  REQUIRE(r);
  CHECK(r->firing);
  CHECK_FALSE(r->suppressed_by);

  s.probes["postgres"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  s.probes["redis"] = Probe(ProbeStatus::kUnknown, ProbeReason::kTimeout);
  auto states = t.Step(s, seconds(10));
  REQUIRE(Only(states));
  CHECK(Only(states)->firing);  // suppression marks the state; it does not stop it firing
  REQUIRE(Only(states)->suppressed_by);
  CHECK(Only(states)->suppressed_by->kind == DependencyKind::kProbe);
  CHECK(Only(states)->suppressed_by->name == "postgres");
  CHECK(Only(states)->suppressed_by->reason == "probe postgres is unhealthy (connection_refused)");

  // unknown is not healthy either; a dependency with no result at all neither.
  s.probes["postgres"] = Probe(ProbeStatus::kHealthy);
  states = t.Step(s, seconds(10));
  CHECK(Only(states)->suppressed_by->reason == "probe redis is unknown (timeout)");
  s.probes.erase("redis");
  states = t.Step(s, seconds(10));
  CHECK(Only(states)->suppressed_by->reason == "probe redis is unknown (no result yet)");
}

TEST_CASE("depends_on a rule: suppressed while that rule fires", "[rules][eval]") {
  // The dependent is listed first: evaluation order follows dependencies, not the file.
  Timeline t(ValidRules(R"(
rules:
  - name: APIEndpointDown
    severity: critical
    when: {probe: api, status: unhealthy}
    depends_on: [DatabaseDown]
  - name: DatabaseDown
    severity: critical
    for: 30s
    when: {alert: {alertname: PostgresDown}}
)"));
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kHttpStatus);
  s.alerts.push_back(Alert("d1", {{"alertname", "PostgresDown"}}));

  auto states = t.Step(s);
  REQUIRE(states.size() == 2);
  CHECK(states[0].rule == "APIEndpointDown");                   // reported in config order
  CHECK_FALSE(Find(states, "APIEndpointDown")->suppressed_by);  // DatabaseDown only pending

  states = t.Step(s, seconds(30));
  CHECK(Find(states, "DatabaseDown")->firing);
  const RuleState* api = Find(states, "APIEndpointDown");
  REQUIRE(api->suppressed_by);
  CHECK(api->suppressed_by->kind == DependencyKind::kRule);
  CHECK(api->suppressed_by->reason == "rule DatabaseDown is firing");

  s.alerts.clear();
  states = t.Step(s, seconds(10));
  CHECK_FALSE(Find(states, "DatabaseDown")->active_now);
  CHECK_FALSE(Find(states, "APIEndpointDown")->suppressed_by);
}

TEST_CASE("a reload keeps the timers of rules that keep their name", "[rules][eval]") {
  const std::string yaml =
      "rules:\n  - {name: R, severity: info, for: 1m, when: {probe: api, status: unhealthy}}\n"
      "  - {name: Gone, severity: info, when: {probe: api, status: unhealthy}}\n";
  runbookd::testing::ManualClock clock;
  RuleEvaluator before(ValidRules(yaml));
  Snapshot down;
  down.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kTimeout);
  before.Evaluate(down, clock.WallNow());
  const WallTime start = clock.WallNow();

  RuleEvaluator after(
      ValidRules("rules:\n  - {name: R, severity: info, for: 1m, when: {probe: api, status: unhealthy}}"));
  after.Inherit(before);
  clock.Advance(minutes(1));
  const auto states = after.Evaluate(down, clock.WallNow());
  REQUIRE(states.size() == 1);
  CHECK(states[0].change == StateChange::kFired);
  CHECK(states[0].active_since == start);
}

TEST_CASE("evidence lists at most ten alerts per condition", "[rules][eval]") {
  Timeline t(ValidRules("rules:\n  - {name: R, severity: info, when: {alert: {alertname: PodCrashLooping}}}"));
  Snapshot s;
  for (int i = 0; i < 12; ++i) s.alerts.push_back(Alert("fp" + std::to_string(i), {{"alertname", "PodCrashLooping"}}));
  const auto states = t.Step(s);
  REQUIRE(Only(states));
  const auto texts = EvidenceTexts(*Only(states));
  REQUIRE(texts.size() == 11);
  CHECK(texts.front() == "alert PodCrashLooping fp=fp0");
  CHECK(texts.back() == "and 2 more alerts");
}
