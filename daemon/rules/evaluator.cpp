#include "daemon/rules/evaluator.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace runbookd::rules {

namespace {

// Kahn's algorithm over rule-to-rule dependencies. The parser rejects cycles; should one reach here
// anyway, its rules go last in config order and see their dependencies' previous evaluation.
std::vector<size_t> DependencyOrder(const std::vector<Rule>& rules, const std::map<std::string, size_t>& index) {
  std::vector<std::vector<size_t>> dependents(rules.size());
  std::vector<size_t> waiting_on(rules.size(), 0);
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const auto& dep : rules[i].depends_on) {
      auto it = index.find(dep.name);
      if (dep.kind != DependencyKind::kRule || it == index.end()) continue;
      dependents[it->second].push_back(i);
      ++waiting_on[i];
    }
  }
  std::vector<size_t> order;
  std::vector<bool> placed(rules.size(), false);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (waiting_on[i] == 0) order.push_back(i);
  }
  for (size_t next = 0; next < order.size(); ++next) {
    placed[order[next]] = true;
    for (size_t d : dependents[order[next]]) {
      if (--waiting_on[d] == 0) order.push_back(d);
    }
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!placed[i]) order.push_back(i);
  }
  return order;
}

}  // namespace

std::string_view ToString(StateChange change) {
  switch (change) {
    case StateChange::kNone:
      return "none";
    case StateChange::kActivated:
      return "activated";
    case StateChange::kFired:
      return "fired";
    case StateChange::kDeactivated:
      return "deactivated";
    case StateChange::kReset:
      return "reset";
    case StateChange::kResolved:
      return "resolved";
  }
  return "unknown";
}

RuleEvaluator::RuleEvaluator(std::vector<Rule> rules) : rules_(std::move(rules)), memory_(rules_.size()) {
  for (size_t i = 0; i < rules_.size(); ++i) index_by_name_.emplace(rules_[i].name, i);
  order_ = DependencyOrder(rules_, index_by_name_);
}

void RuleEvaluator::Inherit(const RuleEvaluator& previous) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto it = previous.index_by_name_.find(rules_[i].name);
    if (it != previous.index_by_name_.end()) memory_[i] = previous.memory_[it->second];
  }
}

std::optional<Suppression> RuleEvaluator::FirstDownDependency(const Rule& rule, const Snapshot& snapshot) const {
  for (const auto& dep : rule.depends_on) {
    if (dep.kind == DependencyKind::kProbe) {
      auto it = snapshot.probes.find(dep.name);
      // No result yet is unknown, and unknown is not healthy: suppress rather than act blindly.
      const ProbeStatus state = it == snapshot.probes.end() ? ProbeStatus::kUnknown : it->second.state;
      if (state == ProbeStatus::kHealthy) continue;
      const bool has_reason = it != snapshot.probes.end() && it->second.last_reason;
      return Suppression{dep.kind, dep.name,
                         "probe " + dep.name + " is " + std::string(ToString(state)) + " (" +
                             (has_reason ? std::string(ToString(*it->second.last_reason)) : "no result yet") + ")"};
    }
    auto it = index_by_name_.find(dep.name);
    if (it != index_by_name_.end() && memory_[it->second].firing) {
      return Suppression{dep.kind, dep.name, "rule " + dep.name + " is firing"};
    }
  }
  return std::nullopt;
}

std::vector<RuleState> RuleEvaluator::EvaluateRule(size_t index, const Snapshot& snapshot, WallTime now) {
  const Rule& rule = rules_[index];
  RuleMemory& memory = memory_[index];

  // Without group_by there is one group, evaluated even when no signal names it (a lone `not`).
  std::set<LabelSet> candidates = {LabelSet{}};
  if (!rule.group_by.empty()) candidates = CandidateGroups(rule.when, snapshot, rule.group_by);

  std::map<std::string, std::pair<LabelSet, std::vector<Evidence>>> active;
  for (const LabelSet& group : candidates) {
    ConditionResult result = EvaluateCondition(rule.when, snapshot, GroupScope{rule.group_by, group}, now);
    if (result.holds) active.emplace(FormatLabels(group), std::make_pair(group, std::move(result.evidence)));
  }

  const std::optional<Suppression> suppression = FirstDownDependency(rule, snapshot);
  std::vector<RuleState> out;
  for (auto& [key, group] : active) {
    GroupMemory& mem = memory.groups[key];
    RuleState state{rule.name, key, group.first};
    mem.labels = group.first;
    if (!mem.active_since) {
      mem.active_since = now;
      mem.inactive_since.reset();
      state.change = StateChange::kActivated;
    }
    const bool firing = now - *mem.active_since >= rule.for_duration;
    if (firing && !mem.firing) {
      state.change = StateChange::kFired;
      mem.fired = true;
    }
    mem.firing = firing;
    state.active_now = true;
    state.firing = firing;
    state.active_since = mem.active_since;
    state.suppressed_by = suppression;
    state.evidence = std::move(group.second);
    out.push_back(std::move(state));
  }

  for (auto it = memory.groups.begin(); it != memory.groups.end();) {
    if (active.count(it->first)) {
      ++it;
      continue;
    }
    GroupMemory& mem = it->second;
    RuleState state{rule.name, it->first, mem.labels};
    state.suppressed_by = suppression;
    if (mem.active_since) {  // active at the previous evaluation
      mem.active_since.reset();
      mem.firing = false;
      mem.inactive_since = now;
      state.change = mem.fired ? StateChange::kDeactivated : StateChange::kReset;
    }
    state.inactive_since = mem.inactive_since;
    const bool forget = !mem.fired || now - *mem.inactive_since >= rule.resolve_after;
    if (mem.fired && forget) state.change = StateChange::kResolved;
    out.push_back(std::move(state));
    it = forget ? memory.groups.erase(it) : std::next(it);
  }

  memory.firing =
      std::any_of(memory.groups.begin(), memory.groups.end(), [](const auto& entry) { return entry.second.firing; });
  std::sort(out.begin(), out.end(), [](const RuleState& a, const RuleState& b) { return a.group_key < b.group_key; });
  return out;
}

std::vector<RuleState> RuleEvaluator::Evaluate(const Snapshot& snapshot, WallTime now) {
  std::vector<std::vector<RuleState>> by_rule(rules_.size());
  for (size_t index : order_) by_rule[index] = EvaluateRule(index, snapshot, now);
  std::vector<RuleState> out;
  for (auto& states : by_rule) std::move(states.begin(), states.end(), std::back_inserter(out));
  return out;
}

}  // namespace runbookd::rules
