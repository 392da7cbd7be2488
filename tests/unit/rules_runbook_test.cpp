#include <catch2/catch.hpp>

#include "tests/unit/rules_test_util.hpp"

using namespace runbookd;
using namespace runbookd::rules;
using namespace runbookd::rules::testing;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

// The service-outage runbook: "APIEndpointDown alert fires / service health check fails"; check
// database, Redis and Kafka first; restart, then roll back.
constexpr const char* kServiceOutage = R"(
rules:
  - name: APIEndpointDown
    severity: critical
    labels: { runbook: service-outage }
    when:
      any:
        - { probe: api, status: unhealthy }
        - { alert: { alertname: APIEndpointDown, severity: "=~critical|page" } }
    for: 1m
    resolve_after: 5m
    depends_on: [postgres, redis, kafka]
    then:
      - { action: restart-backend }
      - { action: rollback-backend, if: { probe: api, status: unhealthy, consecutive: 10 } }
)";

Snapshot AllHealthy() {
  Snapshot s;
  for (const char* name : {"api", "postgres", "redis", "kafka"}) s.probes[name] = Probe(ProbeStatus::kHealthy);
  return s;
}

}  // namespace

TEST_CASE("service outage: APIEndpointDown from probe or alert, suppressed while postgres is down",
          "[rules][runbook]") {
  const auto rules = ValidRules(kServiceOutage);
  REQUIRE(rules[0].then.size() == 2);
  Timeline t(rules);
  Snapshot s = AllHealthy();
  CHECK(t.Step(s).empty());

  // 1. runbookd's own probe sees the API refuse connections: pending for a minute.
  const WallTime down_at = t.now() + seconds(10);
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  auto states = t.Step(s, seconds(10));
  const RuleState* r = Find(states, "APIEndpointDown");
  REQUIRE(r);
  CHECK(r->change == StateChange::kActivated);
  CHECK_FALSE(r->firing);

  // 2. Prometheus' alert arrives through Alertmanager: same rule, same group, more evidence.
  s.alerts.push_back(Alert("725cd57bece34f10", {{"alertname", "APIEndpointDown"}, {"severity", "critical"}}));
  states = t.Step(s, seconds(30));
  r = Find(states, "APIEndpointDown");
  REQUIRE(states.size() == 1);
  CHECK(r->active_since == down_at);
  CHECK(EvidenceTexts(*r) == std::vector<std::string>{"probe api is unhealthy (connection_refused)",
                                                      "alert APIEndpointDown fp=725cd57bece34f10"});

  // 3. A minute after the probe first failed: firing, dependencies healthy, actions may run.
  states = t.Step(s, seconds(30));
  r = Find(states, "APIEndpointDown");
  CHECK(r->change == StateChange::kFired);
  CHECK(r->firing);
  CHECK_FALSE(r->suppressed_by);

  // 4. The database goes down too: root cause first, the API's remediation is suppressed.
  s.probes["postgres"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  states = t.Step(s, seconds(10));
  r = Find(states, "APIEndpointDown");
  CHECK(r->firing);
  REQUIRE(r->suppressed_by);
  CHECK(r->suppressed_by->name == "postgres");
  CHECK(r->suppressed_by->reason == "probe postgres is unhealthy (connection_refused)");

  // 5. The probe recovers but the alert still fires: still the same incident, still firing.
  s.probes["postgres"] = Probe(ProbeStatus::kHealthy);
  s.probes["api"] = Probe(ProbeStatus::kHealthy);
  states = t.Step(s, seconds(10));
  r = Find(states, "APIEndpointDown");
  CHECK(r->firing);
  CHECK_FALSE(r->suppressed_by);
  CHECK(EvidenceTexts(*r) == std::vector<std::string>{"alert APIEndpointDown fp=725cd57bece34f10"});

  // 6. Alertmanager resolves the alert: inactive, resolved five minutes later, then forgotten.
  s.alerts[0].status = AlertStatus::kResolved;
  const WallTime up_at = t.now() + seconds(10);
  states = t.Step(s, seconds(10));
  CHECK(Find(states, "APIEndpointDown")->change == StateChange::kDeactivated);
  CHECK(Find(states, "APIEndpointDown")->inactive_since == up_at);
  states = t.Step(s, minutes(5));
  CHECK(Find(states, "APIEndpointDown")->change == StateChange::kResolved);
  CHECK(t.Step(s, seconds(10)).empty());
}
