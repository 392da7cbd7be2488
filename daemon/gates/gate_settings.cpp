#include "daemon/gates/gate_settings.hpp"

#include <algorithm>
#include <cctype>

#include "config/suggest.hpp"
#include "daemon/gates/time_text.hpp"
#include "daemon/rules/rule.hpp"

namespace runbookd::gates {

namespace {

using config::Node;
using std::chrono::milliseconds;

constexpr milliseconds kMaxHookTimeout = std::chrono::minutes(5);
// Shorter cadences would bury the channel they go to.
constexpr milliseconds kMinUpdateEvery = std::chrono::minutes(1);

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A bad value has already been reported by AsDuration/AsInt and gave the (valid) fallback, so
// each check below reports only values that parsed.
milliseconds PositiveDuration(const Node& node, milliseconds fallback) {
  const milliseconds d = node.AsDuration(fallback);
  if (d <= milliseconds::zero()) node.Error("must be more than 0");
  return d > milliseconds::zero() ? d : fallback;
}

int64_t AtLeastOne(const Node& node, int64_t fallback) {
  const int64_t n = node.AsInt(fallback);
  if (n < 1) node.Error("must be at least 1, got " + std::to_string(n));
  return n >= 1 ? n : fallback;
}

BudgetLimit ReadLimit(const Node& node, BudgetLimit fallback) {
  BudgetLimit limit = fallback;
  if (!node.defined()) return limit;
  limit.max = AtLeastOne(node["max"], fallback.max);
  limit.window = PositiveDuration(node["window"], fallback.window);
  return limit;
}

BudgetSettings ReadBudget(const Node& gates) {
  BudgetSettings out;
  out.cooldown = gates["cooldown"].AsDuration(out.cooldown);  // 0 turns the cooldown off
  const Node budgets = gates["budgets"];
  out.per_rule = ReadLimit(budgets["per_rule"], out.per_rule);
  out.per_action = ReadLimit(budgets["per_action"], out.per_action);
  out.global = ReadLimit(budgets["global"], out.global);
  out.circuit_reset_after = PositiveDuration(gates["circuit"]["reset_after"], out.circuit_reset_after);
  return out;
}

FreezeSettings ReadFreeze(const Node& node) {
  FreezeSettings out;
  const Node ratio = node["max_unhealthy_ratio"];
  const double r = ratio.AsDouble(out.max_unhealthy_ratio);
  if (r > 0.0 && r <= 1.0) {
    out.max_unhealthy_ratio = r;
  } else {  // also NaN
    ratio.Error("must be more than 0 and at most 1, got " + ratio.AsString());
  }
  out.min_probes = AtLeastOne(node["min_probes"], out.min_probes);
  return out;
}

std::optional<ExecHookSettings> ReadHook(const Node& node) {
  if (!node.defined()) return std::nullopt;
  ExecHookSettings out;
  const Node command = node.Required("command");
  if (command.is_scalar()) {
    const std::string line = command.AsString();
    if (std::any_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); })) {
      command.Error(
          "runs without a shell: give the program and its arguments as a list, e.g. "
          "[/usr/local/bin/check-change-freeze, --strict]");
    }
  }
  out.command = command.AsStringList();
  if (command.defined() && (out.command.empty() || out.command.front().empty())) {
    command.Error("must name a program, e.g. [/usr/local/bin/check-change-freeze, --strict]");
  }
  const Node timeout = node["timeout"];
  out.timeout = timeout.AsDuration(out.timeout);
  if (out.timeout <= milliseconds::zero() || out.timeout > kMaxHookTimeout) {
    timeout.Error("must be more than 0 and at most " + DurationText(kMaxHookTimeout));
    out.timeout = ExecHookSettings{}.timeout;
  }
  return out;
}

ApprovalSettings ReadApproval(const Node& node) {
  ApprovalSettings out;
  out.timeout = PositiveDuration(node["timeout"], out.timeout);
  out.quorum = AtLeastOne(node["quorum"], out.quorum);
  out.hook = ReadHook(node["hook"]);
  return out;
}

// nullopt when absent (or not a duration, reported by AsDuration); 0 turns updates off.
std::optional<milliseconds> ReadCadence(const Node& node) {
  if (!node.defined()) return std::nullopt;
  const milliseconds every = node.AsDuration(milliseconds(-1));
  if (every < milliseconds::zero()) return std::nullopt;
  if (every > milliseconds::zero() && every < kMinUpdateEvery) {
    node.Error("must be at least " + DurationText(kMinUpdateEvery));
    return std::nullopt;
  }
  return every;
}

std::vector<std::string> ReadNotify(const Node& node, std::vector<NotifierReference>& references) {
  std::vector<std::string> names;
  std::vector<Node> items;
  if (node.is_scalar()) {
    items.push_back(node);  // one name stands for a one-element list
  } else {
    items = node.Items();
  }
  for (const Node& item : items) {
    const std::string name = item.AsString();
    if (name.empty()) continue;  // not a string: reported by AsString
    names.push_back(name);
    references.push_back(NotifierReference{name, item});
  }
  if (node.defined() && names.empty() && (node.is_sequence() || node.is_scalar())) {
    node.Error("needs at least one notifier");
  }
  return names;
}

std::vector<EscalationStep> ReadSteps(const Node& list, std::vector<NotifierReference>& references) {
  std::vector<EscalationStep> steps;
  const std::vector<Node> items = list.Items();
  if (list.is_sequence() && items.empty()) list.Error("needs at least one step, e.g. [{after: 0s, notify: [oncall]}]");
  for (const Node& item : items) {
    if (!item.is_map()) {
      item.Error("expected a step: {after: 5m, notify: [NAME, ...]}");
      continue;
    }
    EscalationStep step;
    const Node after = item.Required("after");
    step.after = after.AsDuration(step.after);
    // In order, so that "the next step" is well defined and each is sent once.
    if (after.defined() && !steps.empty() && step.after < steps.back().after) {
      after.Error("must not be earlier than the previous step's (" + DurationText(steps.back().after) + ")");
    }
    step.notify = ReadNotify(item.Required("notify"), references);
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

GateSettings ReadGateSettings(const Node& node) {
  GateSettings out;
  if (!node.defined()) return out;
  out.dry_run = node["dry_run"].AsBool(out.dry_run);
  out.budget = ReadBudget(node);
  out.freeze = ReadFreeze(node["freeze"]);
  out.approval = ReadApproval(node["approval"]);
  out.max_alert_age = PositiveDuration(node["revalidate"]["max_alert_age"], out.max_alert_age);
  out.bake_time = node["verify"]["bake_time"].AsDuration(out.bake_time);  // 0: verify at once
  return out;
}

EscalationSettings ReadEscalation(const Node& node, std::vector<NotifierReference>& references) {
  EscalationSettings out;
  if (!node.defined()) return out;
  out.update_every = ReadCadence(node["update_every"]);
  for (const std::string& severity : rules::SeverityNames()) {
    const Node ladder_node = node[severity];
    if (!ladder_node.defined()) continue;
    EscalationLadder ladder;
    if (ladder_node.is_map()) {  // the long form: {steps: [...], update_every: 10m}
      ladder.update_every = ReadCadence(ladder_node["update_every"]);
      ladder.steps = ReadSteps(ladder_node.Required("steps"), references);
    } else if (ladder_node.is_sequence()) {
      ladder.steps = ReadSteps(ladder_node, references);
    } else {
      ladder_node.Error("expected a list of steps, or {steps: [...], update_every: DURATION}");
      continue;
    }
    out.ladders[severity] = std::move(ladder);
  }
  return out;
}

void CheckNotifierReferences(const std::vector<NotifierReference>& references,
                             const std::vector<std::string>& notifier_names) {
  for (const NotifierReference& ref : references) {
    if (std::find(notifier_names.begin(), notifier_names.end(), ref.name) != notifier_names.end()) continue;
    ref.node.Error("unknown notifier " + Quoted(ref.name) + config::DidYouMean(ref.name, notifier_names));
  }
}

}  // namespace runbookd::gates
