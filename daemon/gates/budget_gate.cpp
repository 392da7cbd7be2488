#include "daemon/gates/budget_gate.hpp"

#include <algorithm>

#include "daemon/gates/time_text.hpp"

namespace runbookd::gates {

namespace {

constexpr const char* kGate = "budget";

std::string TargetOf(const GateRequest& request) {
  if (request.plan != nullptr && !request.plan->target.empty()) return request.plan->target;
  const auto it = request.labels.find("target");
  return it == request.labels.end() ? std::string() : it->second;
}

}  // namespace

std::string_view ToString(BudgetScope scope) {
  switch (scope) {
    case BudgetScope::kGlobal:
      return "global";
    case BudgetScope::kRule:
      return "rule";
    case BudgetScope::kAction:
      return "action";
    case BudgetScope::kTarget:
      return "target";
  }
  return "global";
}

std::optional<BudgetScope> ParseBudgetScope(std::string_view text) {
  for (const BudgetScope scope :
       {BudgetScope::kGlobal, BudgetScope::kRule, BudgetScope::kAction, BudgetScope::kTarget}) {
    if (ToString(scope) == text) return scope;
  }
  return std::nullopt;
}

const BudgetLimit& BudgetGate::LimitOf(BudgetScope scope) const {
  switch (scope) {
    case BudgetScope::kRule:
      return settings_.per_rule;
    case BudgetScope::kAction:
      return settings_.per_action;
    default:
      return settings_.global;
  }
}

// Most specific first, so that a denial names the narrowest budget that ran out.
std::vector<BudgetGate::ScopeKey> BudgetGate::ScopesOf(const GateRequest& request) const {
  std::vector<ScopeKey> scopes;
  // A manual run has no rule; it still spends the action's and the global budget.
  if (!request.rule.empty()) scopes.emplace_back(BudgetScope::kRule, request.rule);
  scopes.emplace_back(BudgetScope::kAction, request.action);
  scopes.emplace_back(BudgetScope::kGlobal, "");
  return scopes;
}

bool BudgetGate::Expire(BudgetScope scope, Window& window, WallTime now) const {
  const WallTime horizon = now - LimitOf(scope).window;
  while (!window.runs.empty() && window.runs.front() <= horizon) window.runs.pop_front();
  if (window.circuit_open_until && *window.circuit_open_until <= now) window.circuit_open_until.reset();
  return window.runs.empty() && !window.circuit_open_until;
}

std::string BudgetGate::Exhausted(const ScopeKey& scope, WallTime until, WallTime now) const {
  const BudgetLimit& limit = LimitOf(scope.first);
  const std::string what = scope.first == BudgetScope::kGlobal
                               ? std::string("global budget")
                               : "budget for " + std::string(ToString(scope.first)) + " " + scope.second;
  return what + " exhausted (" + std::to_string(limit.max) + " in the last " + DurationText(limit.window) +
         "); circuit open until " + ClockText(until, now);
}

GateDecision BudgetGate::Check(const GateRequest& request) {
  const WallTime now = request.now;
  std::optional<GateDecision> denial;
  for (const ScopeKey& scope : ScopesOf(request)) {
    const auto it = windows_.find(scope);
    if (it == windows_.end()) continue;
    Window& window = it->second;
    if (Expire(scope.first, window, now)) {
      windows_.erase(it);
      continue;
    }
    // Every exhausted scope opens its own circuit, even when a narrower one already denies.
    if (!window.circuit_open_until && static_cast<int64_t>(window.runs.size()) >= LimitOf(scope.first).max) {
      window.circuit_open_until = now + settings_.circuit_reset_after;
    }
    if (window.circuit_open_until && !denial) {
      denial = GateDecision::Deny(kGate, Exhausted(scope, *window.circuit_open_until, now), true);
    }
  }
  if (denial) return *denial;

  const std::string target = TargetOf(request);
  if (const auto it = cooldown_until_.find(target); it != cooldown_until_.end()) {
    if (now < it->second) {
      return GateDecision::Deny(kGate, "cooldown for " + target + " until " + ClockText(it->second, now));
    }
    cooldown_until_.erase(it);
  }
  return GateDecision::Allow(kGate);
}

void BudgetGate::Record(const GateRequest& request, RunMode mode) {
  if (mode == RunMode::kDryRun) return;
  const WallTime now = request.now;
  for (const ScopeKey& scope : ScopesOf(request)) {
    Window& window = windows_[scope];
    Expire(scope.first, window, now);
    // Runs arrive in time order from one thread; keep the deque sorted even if a caller's clock
    // stepped back, so that expiry from the front stays correct.
    window.runs.insert(std::upper_bound(window.runs.begin(), window.runs.end(), now), now);
  }
  const std::string target = TargetOf(request);
  if (!target.empty() && settings_.cooldown > std::chrono::milliseconds::zero()) {
    WallTime& until = cooldown_until_[target];
    until = std::max(until, now + settings_.cooldown);
  }
}

bool BudgetGate::Reset(BudgetScope scope, const std::string& key) {
  if (scope == BudgetScope::kTarget) return cooldown_until_.erase(key) > 0;
  return windows_.erase({scope, scope == BudgetScope::kGlobal ? std::string() : key}) > 0;
}

bool BudgetGate::CircuitOpen(BudgetScope scope, const std::string& key, WallTime now) const {
  const auto it = windows_.find({scope, scope == BudgetScope::kGlobal ? std::string() : key});
  return it != windows_.end() && it->second.circuit_open_until && now < *it->second.circuit_open_until;
}

std::vector<store::BudgetRecord> BudgetGate::Snapshot(WallTime now) const {
  std::vector<store::BudgetRecord> rows;
  for (const auto& [scope, stored] : windows_) {
    Window window = stored;
    if (Expire(scope.first, window, now)) continue;
    store::BudgetRecord row;
    row.scope = std::string(ToString(scope.first));
    row.key = scope.second;
    row.runs.assign(window.runs.begin(), window.runs.end());
    row.circuit_open_until = window.circuit_open_until;
    rows.push_back(std::move(row));
  }
  for (const auto& [target, until] : cooldown_until_) {
    if (until <= now) continue;
    store::BudgetRecord row;
    row.scope = std::string(ToString(BudgetScope::kTarget));
    row.key = target;
    row.cooldown_until = until;
    rows.push_back(std::move(row));
  }
  return rows;
}

void BudgetGate::Restore(const std::vector<store::BudgetRecord>& rows) {
  windows_.clear();
  cooldown_until_.clear();
  for (const store::BudgetRecord& row : rows) {
    const auto scope = ParseBudgetScope(row.scope);
    if (!scope) continue;
    if (*scope == BudgetScope::kTarget) {
      if (row.cooldown_until) cooldown_until_[row.key] = *row.cooldown_until;
      continue;
    }
    Window& window = windows_[{*scope, row.key}];
    window.runs.assign(row.runs.begin(), row.runs.end());
    std::sort(window.runs.begin(), window.runs.end());
    window.circuit_open_until = row.circuit_open_until;
  }
}

}  // namespace runbookd::gates
