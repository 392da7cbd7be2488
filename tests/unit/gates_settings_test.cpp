// `gates:` and `escalation:`: the values read, and every error where it belongs (FILE:LINE:COL).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "config/node.hpp"
#include "daemon/gates/gate_settings.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace std::chrono_literals;

namespace {

struct Parsed {
  GateSettings gates;
  EscalationSettings escalation;
  std::vector<NotifierReference> references;
  std::string errors;  // Diagnostics::Format()
};

Parsed Parse(const std::string& yaml, const std::vector<std::string>& notifiers = {"pd", "pd-lead", "slack"}) {
  config::Diagnostics diags;
  const config::Document doc = config::Document::Parse(yaml, "runbookd.yaml", diags);
  Parsed out;
  out.gates = ReadGateSettings(doc.root()["gates"]);
  out.escalation = ReadEscalation(doc.root()["escalation"], out.references);
  CheckNotifierReferences(out.references, notifiers);
  doc.CheckUnknownKeys();
  out.errors = diags.Format();
  return out;
}

}  // namespace

TEST_CASE("gate settings: defaults when the blocks are left out") {
  const Parsed p = Parse("gates: {}\nescalation: {}\n");
  REQUIRE(p.errors.empty());
  CHECK_FALSE(p.gates.dry_run);
  CHECK(p.gates.budget.cooldown == 10min);
  CHECK(p.gates.budget.per_rule.max == 3);
  CHECK(p.gates.budget.global.max == 10);
  CHECK(p.gates.budget.circuit_reset_after == 1h);
  CHECK(p.gates.freeze.max_unhealthy_ratio == 0.5);
  CHECK(p.gates.freeze.min_probes == 4);
  CHECK(p.gates.approval.timeout == 15min);
  CHECK(p.gates.approval.quorum == 1);
  CHECK_FALSE(p.gates.approval.hook);
  CHECK(p.gates.max_alert_age == 10min);
  CHECK(p.gates.bake_time == 2min);
  CHECK(p.escalation.ladders.empty());
  CHECK_FALSE(p.escalation.update_every);
}

TEST_CASE("gate settings: a full block") {
  const Parsed p = Parse(R"(gates:
  dry_run: true
  cooldown: 15m
  budgets:
    per_rule: {max: 2, window: 30m}
    per_action: {max: 4, window: 2h}
    global: {max: 12, window: 1h}
  circuit: {reset_after: 45m}
  freeze: {max_unhealthy_ratio: 0.6, min_probes: 5}
  approval:
    timeout: 20m
    quorum: 2
    hook: {command: [/usr/local/bin/check-change-freeze, --strict], timeout: 5s}
  revalidate: {max_alert_age: 5m}
  verify: {bake_time: 3m}
escalation:
  update_every: 30m
  critical: [{after: 0s, notify: [pd]}, {after: 5m, notify: [pd-lead, slack]}]
  warning: {update_every: 2h, steps: [{after: 10m, notify: slack}]}
)");
  REQUIRE(p.errors.empty());
  CHECK(p.gates.dry_run);
  CHECK(p.gates.budget.cooldown == 15min);
  CHECK(p.gates.budget.per_rule.max == 2);
  CHECK(p.gates.budget.per_rule.window == 30min);
  CHECK(p.gates.budget.per_action.max == 4);
  CHECK(p.gates.budget.per_action.window == 2h);
  CHECK(p.gates.budget.global.max == 12);
  CHECK(p.gates.budget.circuit_reset_after == 45min);
  CHECK(p.gates.freeze.max_unhealthy_ratio == 0.6);
  CHECK(p.gates.freeze.min_probes == 5);
  CHECK(p.gates.approval.timeout == 20min);
  CHECK(p.gates.approval.quorum == 2);
  REQUIRE(p.gates.approval.hook);
  CHECK(p.gates.approval.hook->command == std::vector<std::string>{"/usr/local/bin/check-change-freeze", "--strict"});
  CHECK(p.gates.approval.hook->timeout == 5s);
  CHECK(p.gates.max_alert_age == 5min);
  CHECK(p.gates.bake_time == 3min);

  CHECK(p.escalation.update_every == 30min);
  const EscalationLadder* critical = p.escalation.LadderFor("critical");
  REQUIRE(critical != nullptr);
  REQUIRE(critical->steps.size() == 2);
  CHECK(critical->steps[1].after == 5min);
  CHECK(critical->steps[1].notify == std::vector<std::string>{"pd-lead", "slack"});
  CHECK(p.escalation.UpdateEvery("critical") == 30min);
  CHECK(p.escalation.UpdateEvery("warning") == 2h);
  REQUIRE(p.escalation.LadderFor("warning") != nullptr);
  CHECK(p.escalation.LadderFor("warning")->steps[0].notify == std::vector<std::string>{"slack"});
  // Every notifier name, for the caller to check against `notifiers:`.
  REQUIRE(p.references.size() == 4);
  CHECK(p.references[0].name == "pd");
  CHECK(p.references[3].name == "slack");
}

TEST_CASE("gate settings: each bad value is reported at its place") {
  const Parsed p = Parse(R"(gates:
  cooldown: 10
  budgets:
    per_rule: {max: 0, window: 1h}
    global: {max: 10, window: 0}
    per_acton: {max: 1}
  circuit: {reset_after: 0s}
  freeze: {max_unhealthy_ratio: 1.5, min_probes: 0}
  approval:
    quorum: 0
    hook: {command: "/usr/local/bin/check --strict", timeout: 10m}
  revalidate: {max_alert_age: 0}
)");
  CHECK(p.errors ==
        "runbookd.yaml:2:13: gates.cooldown: invalid duration \"10\" (use a number and a unit: 500ms, 15s, 5m, 1h)\n"
        "runbookd.yaml:4:21: gates.budgets.per_rule.max: must be at least 1, got 0\n"
        "runbookd.yaml:5:31: gates.budgets.global.window: must be more than 0\n"
        "runbookd.yaml:6:5: gates.budgets.per_acton: unknown key \"per_acton\" (did you mean \"per_action\"?)\n"
        "runbookd.yaml:7:26: gates.circuit.reset_after: must be more than 0\n"
        "runbookd.yaml:8:33: gates.freeze.max_unhealthy_ratio: must be more than 0 and at most 1, got 1.5\n"
        "runbookd.yaml:8:50: gates.freeze.min_probes: must be at least 1, got 0\n"
        "runbookd.yaml:10:13: gates.approval.quorum: must be at least 1, got 0\n"
        "runbookd.yaml:11:21: gates.approval.hook.command: runs without a shell: give the program and its "
        "arguments as a list, e.g. [/usr/local/bin/check-change-freeze, --strict]\n"
        "runbookd.yaml:11:63: gates.approval.hook.timeout: must be more than 0 and at most 5m\n"
        "runbookd.yaml:12:31: gates.revalidate.max_alert_age: must be more than 0\n");
}

TEST_CASE("gate settings: a hook needs a program") {
  CHECK(Parse("gates:\n  approval:\n    hook: {timeout: 5s}\n").errors ==
        "runbookd.yaml:3:11: gates.approval.hook: missing required key \"command\"\n");
  CHECK(Parse("gates:\n  approval:\n    hook: {command: []}\n").errors ==
        "runbookd.yaml:3:21: gates.approval.hook.command: must name a program, e.g. "
        "[/usr/local/bin/check-change-freeze, --strict]\n");
}

TEST_CASE("gate settings: a ratio that is not a number") {
  CHECK(Parse("gates:\n  freeze: {max_unhealthy_ratio: 50%}\n").errors ==
        "runbookd.yaml:2:33: gates.freeze.max_unhealthy_ratio: expected a number, got \"50%\"\n");
}

TEST_CASE("escalation settings: each bad value is reported at its place") {
  const Parsed p = Parse(R"(escalation:
  update_every: 30s
  critical:
    - {after: 15m, notify: [pd]}
    - {after: 5m, notify: [pd-laed]}
    - {notify: []}
  warning: []
  info: pd
  critcal: []
)");
  CHECK(p.errors ==
        "runbookd.yaml:2:17: escalation.update_every: must be at least 1m\n"
        "runbookd.yaml:5:15: escalation.critical[1].after: must not be earlier than the previous step's (15m)\n"
        "runbookd.yaml:5:28: escalation.critical[1].notify[0]: unknown notifier \"pd-laed\" (did you mean "
        "\"pd-lead\"?)\n"
        "runbookd.yaml:6:7: escalation.critical[2]: missing required key \"after\"\n"
        "runbookd.yaml:6:16: escalation.critical[2].notify: needs at least one notifier\n"
        "runbookd.yaml:7:12: escalation.warning: needs at least one step, e.g. [{after: 0s, notify: [oncall]}]\n"
        "runbookd.yaml:8:9: escalation.info: expected a list of steps, or {steps: [...], update_every: DURATION}\n"
        "runbookd.yaml:9:3: escalation.critcal: unknown key \"critcal\" (did you mean \"critical\"?)\n");
}

TEST_CASE("escalation settings: the long form needs steps, and update_every 0 turns updates off") {
  const Parsed p = Parse("escalation:\n  update_every: 30m\n  warning: {update_every: 0}\n");
  CHECK(p.errors == "runbookd.yaml:3:12: escalation.warning: missing required key \"steps\"\n");
  const Parsed off =
      Parse("escalation:\n  update_every: 30m\n  warning: {update_every: 0, steps: [{after: 0s, notify: pd}]}\n");
  REQUIRE(off.errors.empty());
  CHECK(off.escalation.UpdateEvery("warning") == 0ms);
  CHECK(off.escalation.UpdateEvery("critical") == 30min);
}
