// The budget gate: cooldowns, sliding-window budgets, the circuit breaker, and its state across a
// restart through a real SQLite store.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <list>

#include "daemon/gates/budget_gate.hpp"
#include "daemon/store/store.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace std::chrono_literals;

namespace {

// 2027-01-15T08:00:00Z plus `s` seconds.
WallTime At(int64_t s) { return WallTime(std::chrono::seconds(1'800'000'000 + s)); }

// Requests for the gate; the plans they point to live as long as the fixture.
class Requests {
 public:
  GateRequest Make(const std::string& rule, const std::string& action, const std::string& target, WallTime now) {
    ActionPlan& plan = plans_.emplace_back();
    plan.action = action;
    plan.type = "k8s_rollout_restart";
    plan.target = target;
    GateRequest request;
    request.plan = &plan;
    request.action = action;
    request.rule = rule;
    request.labels = {{"action", action}, {"rule", rule}, {"target", target}};
    request.now = now;
    return request;
  }

 private:
  std::list<ActionPlan> plans_;
};

// Budgets only: no cooldown unless a test sets one.
BudgetSettings Settings() {
  BudgetSettings s;
  s.cooldown = 0ms;
  s.per_rule = {3, 1h};
  s.per_action = {5, 1h};
  s.global = {10, 1h};
  s.circuit_reset_after = 1h;
  return s;
}

const std::string kWeb = "production/deployment/web";
const std::string kApi = "production/deployment/api";

}  // namespace

TEST_CASE("budget: a target cools down after an action on it") {
  BudgetSettings settings = Settings();
  settings.cooldown = 10min;
  BudgetGate gate(settings);
  Requests r;
  gate.Record(r.Make("APIEndpointDown", "restart-web", kWeb, At(0)));

  const GateDecision d = gate.Check(r.Make("WebSlow", "scale-web", kWeb, At(60)));
  CHECK(d.gate == "budget");
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.reason == "cooldown for production/deployment/web until 08:10:00Z");
  CHECK_FALSE(d.escalate);
  CHECK(gate.Check(r.Make("WebSlow", "scale-api", kApi, At(60))).verdict == GateVerdict::kAllow);
  CHECK(gate.Check(r.Make("WebSlow", "scale-web", kWeb, At(599))).verdict == GateVerdict::kDeny);
  CHECK(gate.Check(r.Make("WebSlow", "scale-web", kWeb, At(600))).verdict == GateVerdict::kAllow);
}

TEST_CASE("budget: an exhausted rule budget opens its circuit and pages") {
  BudgetGate gate(Settings());
  Requests r;
  for (int i = 0; i < 3; ++i) {
    const GateRequest run = r.Make("APIEndpointDown", "restart-" + std::to_string(i), kApi, At(i * 600));
    REQUIRE(gate.Check(run).verdict == GateVerdict::kAllow);
    gate.Record(run);
  }
  const GateDecision d = gate.Check(r.Make("APIEndpointDown", "restart-9", kApi, At(1500)));
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.escalate);
  CHECK(d.reason == "budget for rule APIEndpointDown exhausted (3 in the last 1h); circuit open until 09:25:00Z");
  CHECK(gate.CircuitOpen(BudgetScope::kRule, "APIEndpointDown", At(1500)));
  // Other rules keep their own budgets.
  CHECK(gate.Check(r.Make("WebSlow", "scale-web", kWeb, At(1500))).verdict == GateVerdict::kAllow);

  SECTION("the circuit holds for reset_after, even after the runs left the window") {
    const GateDecision later = gate.Check(r.Make("APIEndpointDown", "restart-9", kApi, At(5099)));
    CHECK(later.verdict == GateVerdict::kDeny);
    CHECK(later.escalate);
    CHECK(later.reason == d.reason);
    CHECK(gate.Check(r.Make("APIEndpointDown", "restart-9", kApi, At(5100))).verdict == GateVerdict::kAllow);
    CHECK_FALSE(gate.CircuitOpen(BudgetScope::kRule, "APIEndpointDown", At(5100)));
  }
  SECTION("an operator's reset closes the circuit with a fresh budget") {
    CHECK(gate.Reset(BudgetScope::kRule, "APIEndpointDown"));
    CHECK(gate.Check(r.Make("APIEndpointDown", "restart-9", kApi, At(1501))).verdict == GateVerdict::kAllow);
    CHECK_FALSE(gate.Reset(BudgetScope::kRule, "APIEndpointDown"));
  }
}

TEST_CASE("budget: the global budget counts every rule and manual runs") {
  BudgetSettings settings = Settings();
  settings.global = {3, 1h};
  BudgetGate gate(settings);
  Requests r;
  gate.Record(r.Make("APIEndpointDown", "restart-api", kApi, At(0)));
  gate.Record(r.Make("WebSlow", "scale-web", kWeb, At(60)));
  gate.Record(r.Make("", "scale-web", kWeb, At(120)));  // runbookctl run: no rule

  const GateDecision d = gate.Check(r.Make("DiskFull", "clean-logs", "node/ip-10-0-0-7", At(180)));
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.escalate);
  CHECK(d.reason == "global budget exhausted (3 in the last 1h); circuit open until 09:03:00Z");
  CHECK(gate.CircuitOpen(BudgetScope::kGlobal, "", At(180)));
  CHECK(gate.Reset(BudgetScope::kGlobal, ""));
  CHECK(gate.Check(r.Make("DiskFull", "clean-logs", "node/ip-10-0-0-7", At(181))).verdict == GateVerdict::kAllow);
}

TEST_CASE("budget: an action's budget is shared by every rule that runs it") {
  BudgetSettings settings = Settings();
  settings.per_action = {2, 30min};
  BudgetGate gate(settings);
  Requests r;
  gate.Record(r.Make("APIEndpointDown", "restart-api", kApi, At(0)));
  gate.Record(r.Make("APIErrors", "restart-api", kApi, At(60)));
  const GateDecision d = gate.Check(r.Make("APILatency", "restart-api", kApi, At(120)));
  CHECK(d.reason == "budget for action restart-api exhausted (2 in the last 30m); circuit open until 09:02:00Z");
  CHECK(d.escalate);
}

TEST_CASE("budget: the window slides over the recorded run times") {
  BudgetSettings settings = Settings();
  settings.per_rule = {2, 1h};
  BudgetGate gate(settings);
  Requests r;
  gate.Record(r.Make("APIEndpointDown", "restart-api", kApi, At(0)));
  gate.Record(r.Make("APIEndpointDown", "restart-api", kApi, At(2400)));
  // At 09:00 the 08:00 run has left the window: one of two is in use.
  const GateRequest at_nine = r.Make("APIEndpointDown", "restart-api", kApi, At(3600));
  REQUIRE(gate.Check(at_nine).verdict == GateVerdict::kAllow);
  gate.Record(at_nine);
  // 08:40 and 09:00 are both inside the hour before 09:10.
  const GateDecision d = gate.Check(r.Make("APIEndpointDown", "restart-api", kApi, At(4200)));
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.escalate);
}

TEST_CASE("budget: dry runs and checks spend nothing") {
  BudgetSettings settings = Settings();
  settings.cooldown = 10min;
  BudgetGate gate(settings);
  Requests r;
  for (int i = 0; i < 20; ++i) {
    const GateRequest run = r.Make("APIEndpointDown", "restart-api", kApi, At(i));
    REQUIRE(gate.Check(run).verdict == GateVerdict::kAllow);
    gate.Record(run, RunMode::kDryRun);
  }
  CHECK(gate.Snapshot(At(20)).empty());
}

TEST_CASE("budget: the state survives a restart through the store") {
  BudgetSettings settings = Settings();
  settings.cooldown = 10min;
  BudgetGate gate(settings);
  Requests r;
  for (int i = 0; i < 3; ++i) gate.Record(r.Make("APIEndpointDown", "restart-api", kApi, At(i * 60)));
  gate.Record(r.Make("WebSlow", "scale-web", kWeb, At(200)));
  const GateDecision tripped = gate.Check(r.Make("APIEndpointDown", "restart-api", kApi, At(300)));
  REQUIRE(tripped.escalate);
  const auto saved = gate.Snapshot(At(300));
  REQUIRE(saved.size() == 7);  // two rules, two actions, global, two targets cooling down

  testing::TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  {
    auto store = store::Store::Open(path);
    REQUIRE(store.ok());
    REQUIRE(store->SaveBudgets(saved).ok());
  }
  auto reopened = store::Store::Open(path);
  REQUIRE(reopened.ok());
  auto loaded = reopened->LoadBudgets();
  REQUIRE(loaded.ok());

  BudgetGate restarted(settings);
  restarted.Restore(*loaded);
  const auto again = restarted.Snapshot(At(300));
  REQUIRE(again.size() == saved.size());
  for (const auto& row : saved) {
    const auto it = std::find_if(again.begin(), again.end(), [&](const store::BudgetRecord& o) {
      return o.scope == row.scope && o.key == row.key;
    });
    REQUIRE(it != again.end());
    CHECK(it->runs == row.runs);
    CHECK(it->cooldown_until == row.cooldown_until);
    CHECK(it->circuit_open_until == row.circuit_open_until);
  }
  const GateDecision d = restarted.Check(r.Make("APIEndpointDown", "restart-api", kApi, At(400)));
  CHECK(d.reason == tripped.reason);
  CHECK(d.escalate);
  CHECK(restarted.Check(r.Make("Other", "scale-web", kWeb, At(400))).reason ==
        "cooldown for production/deployment/web until 08:13:20Z");

  SECTION("saving replaces every row") {
    REQUIRE(reopened->SaveBudgets({}).ok());
    auto empty = reopened->LoadBudgets();
    REQUIRE(empty.ok());
    CHECK(empty->empty());
  }
  SECTION("rows of a scope this binary does not know are skipped") {
    store::BudgetRecord odd;
    odd.scope = "tenant";
    odd.key = "acme";
    odd.runs = {At(0)};
    BudgetGate other(settings);
    other.Restore({odd});
    CHECK(other.Snapshot(At(1)).empty());
  }
}
