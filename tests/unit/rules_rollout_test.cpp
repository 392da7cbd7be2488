// recent_rollout: parsing (with the kubernetes connections check), Describe, evaluation against
// the snapshot's rollout facts, and the list of Deployments the daemon must watch.
#include <catch2/catch.hpp>

#include "tests/unit/rules_test_util.hpp"

using namespace runbookd;
using namespace runbookd::rules;
using namespace runbookd::rules::testing;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const std::set<std::string> kConnections = {"prod", "staging"};

// Parses with the daemon's check of kubernetes connection names.
std::vector<Rule> ParseWithConnections(const std::string& yaml, config::Diagnostics& diagnostics) {
  auto doc = config::Document::Parse(yaml, "rules.yaml", diagnostics);
  std::vector<Rule> rules = ParseRules(doc.root()["rules"], {"api"}, kConnections);
  doc.CheckUnknownKeys();
  return rules;
}

std::string ConnectionErrors(const std::string& yaml) {
  config::Diagnostics diagnostics;
  ParseWithConnections(yaml, diagnostics);
  return diagnostics.Format();
}

std::vector<Rule> ValidWithConnections(const std::string& yaml) {
  config::Diagnostics diagnostics;
  auto rules = ParseWithConnections(yaml, diagnostics);
  INFO(diagnostics.Format());
  REQUIRE(diagnostics.empty());
  return rules;
}

// A rule `R` whose `when:` is the given YAML (flow or block, indented for `when:`).
std::string RuleWhen(const std::string& when) {
  return "rules:\n  - name: R\n    severity: critical\n    when: " + when + "\n";
}

const std::string kBackendWithin30m =
    "{ recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m } }";

const DeploymentRef kBackend{"prod", "production", "ecommerce-backend"};

RolloutFacts Facts(int64_t revision, WallTime began, std::optional<int64_t> previous = std::nullopt) {
  RolloutFacts f;
  f.revision = revision;
  f.began = began;
  f.previous_revision = previous;
  return f;
}

// Whether rule R (built from `when`) is active at `now` in `snapshot`.
bool ActiveAt(const std::string& when, const Snapshot& snapshot, WallTime now) {
  RuleEvaluator evaluator(ValidRules(RuleWhen(when)));
  const auto states = evaluator.Evaluate(snapshot, now);
  const RuleState* state = Find(states, "R");
  return state != nullptr && state->active_now;
}

const WallTime kNow{std::chrono::seconds(1'800'000'000)};

}  // namespace

TEST_CASE("recent_rollout parses into the model and describes itself", "[rules][rollout]") {
  const auto rules = ValidWithConnections(RuleWhen(kBackendWithin30m));
  REQUIRE(rules.size() == 1);
  const auto* c = std::get_if<RecentRolloutCondition>(&rules[0].when.kind);
  REQUIRE(c != nullptr);
  CHECK(c->deployment == kBackend);
  CHECK(c->within == minutes(30));
  CHECK(Describe(rules[0].when) == "deployment prod/production/ecommerce-backend rolled out within 30m");
}

TEST_CASE("recent_rollout inside all, any and not describes itself in place", "[rules][rollout]") {
  const auto rules = ValidRules(RuleWhen(R"(
      all:
        - { probe: api, status: unhealthy }
        - recent_rollout: { connection: prod, namespace: production, deployment: web, within: 1h30m }
        - not: { recent_rollout: { connection: staging, namespace: qa, deployment: web, within: 5m } })"));
  CHECK(Describe(rules[0].when) ==
        "all(probe api is unhealthy, deployment prod/production/web rolled out within 1h30m, "
        "not(deployment staging/qa/web rolled out within 5m))");
}

TEST_CASE("recent_rollout needs connection, namespace, deployment and within", "[rules][rollout]") {
  const std::string errors =
      ConnectionErrors(RuleWhen("{ recent_rollout: { connection: prod, deployment: web } }") +
                       "  - name: S\n    severity: info\n    when: { recent_rollout: { namespace: n, within: 1m } }\n");
  CHECK_THAT(errors, Catch::Contains("rules[0].when.recent_rollout: missing required key \"namespace\""));
  CHECK_THAT(errors, Catch::Contains("rules[0].when.recent_rollout: missing required key \"within\""));
  CHECK_THAT(errors, Catch::Contains("rules[1].when.recent_rollout: missing required key \"connection\""));
  CHECK_THAT(errors, Catch::Contains("rules[1].when.recent_rollout: missing required key \"deployment\""));
}

TEST_CASE("recent_rollout refuses bad durations, empty names, unknown keys and non-mappings", "[rules][rollout]") {
  CHECK_THAT(ConnectionErrors(RuleWhen(
                 "{ recent_rollout: { connection: prod, namespace: production, deployment: web, within: soon } }")),
             Catch::Contains("rules[0].when.recent_rollout.within: invalid duration \"soon\""));
  CHECK_THAT(ConnectionErrors(RuleWhen(
                 "{ recent_rollout: { connection: prod, namespace: production, deployment: web, within: 0s } }")),
             Catch::Contains("rules[0].when.recent_rollout.within: within must be greater than 0"));
  CHECK_THAT(ConnectionErrors(
                 RuleWhen("{ recent_rollout: { connection: prod, namespace: \"\", deployment: web, within: 5m } }")),
             Catch::Contains("rules[0].when.recent_rollout.namespace: namespace must not be empty"));
  CHECK_THAT(ConnectionErrors(RuleWhen("{ recent_rollout: { connection: prod, namespace: production, deployment: "
                                       "web, within: 5m, withn: 6m } }")),
             Catch::Contains("withn"));
  CHECK_THAT(ConnectionErrors(RuleWhen("{ recent_rollout: web }")),
             Catch::Contains("rules[0].when.recent_rollout: expected a mapping"));
}

TEST_CASE("recent_rollout names a configured kubernetes connection", "[rules][rollout]") {
  const std::string errors = ConnectionErrors(
      RuleWhen("{ recent_rollout: { connection: x, namespace: production, deployment: web, within: 5m } }"));
  CHECK_THAT(errors, Catch::Contains("rules.yaml:4:"));
  CHECK_THAT(errors, Catch::Contains(
                         "rules[0].when.recent_rollout.connection: unknown kubernetes connection \"x\" (known: prod, "
                         "staging)"));

  config::Diagnostics diagnostics;
  auto doc = config::Document::Parse(
      RuleWhen("{ recent_rollout: { connection: x, namespace: production, deployment: web, within: 5m } }"),
      "rules.yaml", diagnostics);
  ParseRules(doc.root()["rules"], {"api"}, std::set<std::string>{});
  CHECK_THAT(diagnostics.Format(), Catch::Contains("unknown kubernetes connection \"x\" (known: none)"));
}

TEST_CASE("without a list of connections the parser leaves them unchecked", "[rules][rollout]") {
  // The one-argument constructor (offline tools) keeps working.
  config::Diagnostics diagnostics;
  auto doc = config::Document::Parse(
      RuleWhen("{ recent_rollout: { connection: anywhere, namespace: n, deployment: d, within: 5m } }"), "rules.yaml",
      diagnostics);
  RuleParser parser({"api"});
  parser.Read(doc.root()["rules"]);
  parser.Finish();
  doc.CheckUnknownKeys();
  CHECK(diagnostics.Format().empty());
}

TEST_CASE("a rule with only a rollout outside not cannot group_by", "[rules][rollout]") {
  CHECK_THAT(ParseErrors(RuleWhen(kBackendWithin30m) + "    group_by: [service]\n"),
             Catch::Contains("group_by needs a probe or alert condition"));
}

TEST_CASE("recent_rollout holds within the window and not after it", "[rules][rollout]") {
  Snapshot s;
  s.rollouts[kBackend] = Facts(7, kNow - minutes(10), 6);
  CHECK(ActiveAt(kBackendWithin30m, s, kNow));
  CHECK(ActiveAt(kBackendWithin30m, s, kNow + minutes(20)));  // exactly 30m: still within
  CHECK_FALSE(ActiveAt(kBackendWithin30m, s, kNow + minutes(20) + seconds(1)));
  // A clock behind the cluster's: a rollout "in the future" is recent.
  s.rollouts[kBackend].began = kNow + minutes(1);
  CHECK(ActiveAt(kBackendWithin30m, s, kNow));
}

TEST_CASE("missing rollout facts never hold, not even for another deployment's facts", "[rules][rollout]") {
  Snapshot s;
  CHECK_FALSE(ActiveAt(kBackendWithin30m, s, kNow));
  s.rollouts[DeploymentRef{"prod", "production", "ecommerce-frontend"}] = Facts(3, kNow);
  s.rollouts[DeploymentRef{"staging", "production", "ecommerce-backend"}] = Facts(3, kNow);
  CHECK_FALSE(ActiveAt(kBackendWithin30m, s, kNow));
}

TEST_CASE("recent_rollout combines with all, any and not", "[rules][rollout]") {
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  const std::string all = "{ all: [ { probe: api, status: unhealthy }, " + kBackendWithin30m + " ] }";
  const std::string any = "{ any: [ { probe: api, status: healthy }, " + kBackendWithin30m + " ] }";
  const std::string negated = "{ not: " + kBackendWithin30m + " }";

  // Unknown facts: all fails, any fails, and not holds (not of false): rules that act on a rollout
  // must say so positively.
  CHECK_FALSE(ActiveAt(all, s, kNow));
  CHECK_FALSE(ActiveAt(any, s, kNow));
  CHECK(ActiveAt(negated, s, kNow));

  s.rollouts[kBackend] = Facts(7, kNow - minutes(5));
  CHECK(ActiveAt(all, s, kNow));
  CHECK(ActiveAt(any, s, kNow));
  CHECK_FALSE(ActiveAt(negated, s, kNow));

  s.rollouts[kBackend].began = kNow - minutes(31);
  CHECK_FALSE(ActiveAt(all, s, kNow));
  CHECK(ActiveAt(negated, s, kNow));
}

TEST_CASE("recent_rollout evidence names the revision and its start, not a relative time", "[rules][rollout]") {
  Snapshot s;
  s.probes["api"] = Probe(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused);
  s.rollouts[kBackend] = Facts(7, WallTime(std::chrono::seconds(1'800'000'000)), 6);
  Timeline t(ValidRules(RuleWhen("{ all: [ { probe: api, status: unhealthy }, " + kBackendWithin30m + " ] }")));
  const auto first = t.Step(s);
  const RuleState* state = Find(first, "R");
  REQUIRE(state != nullptr);
  const std::vector<std::string> expected = {
      "probe api is unhealthy (connection_refused)",
      "deployment prod/production/ecommerce-backend rolled out revision 7 at 2027-01-15T08:00:00Z (previous "
      "revision 6)"};
  CHECK(EvidenceTexts(*state) == expected);
  // Later evaluations give the same text, so the incident timeline does not grow.
  const auto later = t.Step(s, minutes(3));
  REQUIRE(Find(later, "R") != nullptr);
  CHECK(EvidenceTexts(*Find(later, "R")) == expected);
}

TEST_CASE("recent_rollout groups: a rollout counts in every group of the rule", "[rules][rollout]") {
  Snapshot s;
  s.alerts.push_back(Alert("a1", {{"alertname", "Down"}, {"service", "api"}}));
  s.alerts.push_back(Alert("a2", {{"alertname", "Down"}, {"service", "web"}}));
  s.rollouts[kBackend] = Facts(2, kNow);
  RuleEvaluator evaluator(
      ValidRules(RuleWhen("{ all: [ { alert: { alertname: Down } }, " + kBackendWithin30m + " ] }") +
                 "    group_by: [service]\n"));
  const auto states = evaluator.Evaluate(s, kNow);
  CHECK(Find(states, "R", "service=\"api\"") != nullptr);
  CHECK(Find(states, "R", "service=\"web\"") != nullptr);
}

TEST_CASE("RolloutTargets lists every watched deployment once, sorted, from when and then.if", "[rules][rollout]") {
  const auto rules = ValidRules(R"(
rules:
  - name: A
    severity: critical
    when:
      any:
        - { recent_rollout: { connection: prod, namespace: production, deployment: web, within: 30m } }
        - not: { recent_rollout: { connection: prod, namespace: production, deployment: api, within: 5m } }
    then:
      - action: rollback
        if: { recent_rollout: { connection: staging, namespace: qa, deployment: web, within: 10m } }
  - name: B
    severity: info
    when: { recent_rollout: { connection: prod, namespace: production, deployment: web, within: 1h } }
  - name: C
    severity: info
    when: { probe: api, status: unhealthy }
)");
  const std::vector<DeploymentRef> expected = {
      {"prod", "production", "api"}, {"prod", "production", "web"}, {"staging", "qa", "web"}};
  CHECK(RolloutTargets(rules) == expected);
  CHECK(RolloutTargets({}).empty());
  CHECK(ToString(expected[0]) == "prod/production/api");
}
