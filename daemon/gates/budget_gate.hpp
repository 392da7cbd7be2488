#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/gate.hpp"
#include "daemon/store/store.hpp"

// Bounds every remediation loop (ARCHITECTURE.md §5, lesson 2): a cooldown per target, rate
// budgets per rule, per action and overall, and a circuit breaker that stops acting and pages.
namespace runbookd::gates {

// At most `max` runs in any `window` (a sliding window over the recorded run times).
struct BudgetLimit {
  int64_t max = 1;
  std::chrono::milliseconds window{std::chrono::hours(1)};
};

struct BudgetSettings {
  std::chrono::milliseconds cooldown{std::chrono::minutes(10)};  // per target; 0: none
  BudgetLimit per_rule{3, std::chrono::hours(1)};
  BudgetLimit per_action{5, std::chrono::hours(1)};
  BudgetLimit global{10, std::chrono::hours(1)};
  std::chrono::milliseconds circuit_reset_after{std::chrono::hours(1)};
};

// The store's `budgets.scope` words.
enum class BudgetScope { kGlobal, kRule, kAction, kTarget };
std::string_view ToString(BudgetScope scope);  // "global", "rule", "action", "target"
std::optional<BudgetScope> ParseBudgetScope(std::string_view text);

enum class RunMode { kExecuted, kDryRun };

// Pure: decides from the runs it was told about and the request's `now`; reads no clock and does
// no I/O. One event-loop thread. The pipeline saves Snapshot() after Record and Reset and hands a
// restarted daemon's gate the saved rows (Store::SaveBudgets / LoadBudgets).
class BudgetGate {
 public:
  explicit BudgetGate(BudgetSettings settings) : settings_(settings) {}

  // Deny when a circuit of the request's scopes (its rule, its action, global) is open, or when
  // one of those budgets is exhausted, which opens that circuit for `circuit_reset_after`: both
  // with escalate=true. Else deny, without paging, while the target cools down. Checking counts
  // nothing: only Record does.
  GateDecision Check(const GateRequest& request);

  // An execution actually started: count it in every scope and start the target's cooldown.
  // Dry runs are not counted.
  void Record(const GateRequest& request, RunMode mode = RunMode::kExecuted);

  // An operator's reset: a rule, action or global scope gets a fresh budget and a closed circuit
  // (closing the circuit alone would reopen it at the next check); a target's cooldown ends.
  // False when the scope held nothing to reset. The global scope's key is "".
  bool Reset(BudgetScope scope, const std::string& key);

  bool CircuitOpen(BudgetScope scope, const std::string& key, WallTime now) const;

  // Everything still in force at `now`, as store rows; Restore takes them back (rows of unknown
  // scopes are skipped, as a newer binary may have written them).
  std::vector<store::BudgetRecord> Snapshot(WallTime now) const;
  void Restore(const std::vector<store::BudgetRecord>& rows);

  const BudgetSettings& settings() const { return settings_; }

 private:
  struct Window {
    std::deque<WallTime> runs;  // oldest first, only those still inside the window
    std::optional<WallTime> circuit_open_until;
  };
  using ScopeKey = std::pair<BudgetScope, std::string>;

  const BudgetLimit& LimitOf(BudgetScope scope) const;
  std::vector<ScopeKey> ScopesOf(const GateRequest& request) const;
  // Drops runs that left the window and a circuit whose time is up; true when nothing is left.
  bool Expire(BudgetScope scope, Window& window, WallTime now) const;
  std::string Exhausted(const ScopeKey& scope, WallTime until, WallTime now) const;

  BudgetSettings settings_;
  std::map<ScopeKey, Window> windows_;
  std::map<std::string, WallTime> cooldown_until_;  // by target
};

}  // namespace runbookd::gates
