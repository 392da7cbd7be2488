#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/rules/condition_eval.hpp"
#include "daemon/rules/rule.hpp"
#include "daemon/rules/snapshot.hpp"

namespace runbookd::rules {

// What happened to a (rule, group) at this evaluation; one timeline entry each, kNone excepted.
enum class StateChange {
  kNone,
  kActivated,    // the condition became true; pending until `for` has passed
  kFired,        // active for `for` (with `for: 0`, in the same evaluation it became true)
  kDeactivated,  // a group that had fired stopped matching; resolves after `resolve_after`
  kReset,        // stopped matching before `for` passed; never fired, now forgotten
  kResolved,     // inactive for `resolve_after` (0: at once); last report, now forgotten
};
std::string_view ToString(StateChange change);

// The first dependency found down: a probe in depends_on whose settled state is not healthy, or a
// rule in depends_on that is firing (in any group).
struct Suppression {
  DependencyKind kind = DependencyKind::kProbe;
  std::string name;
  std::string reason;  // "probe postgres is unhealthy (connection_refused)", "rule DatabaseDown is firing"
};

// One (rule, group) as of one evaluation. Reported while the condition holds, and after a group that
// fired stops matching, until `resolve_after` has passed (the report with change kResolved is the
// last).
struct RuleState {
  std::string rule;
  std::string group_key;  // FormatLabels(group_labels); "" without group_by
  LabelSet group_labels;
  bool active_now = false;                 // the condition holds now
  bool firing = false;                     // active_now, continuously for at least `for`
  std::optional<WallTime> active_since;    // start of the current active run (when active_now)
  std::optional<WallTime> inactive_since;  // when it stopped matching (when not active_now)
  StateChange change = StateChange::kNone;
  std::optional<Suppression> suppressed_by;  // actions must not run while set
  std::vector<Evidence> evidence;            // when active_now
};

// Pure: (Snapshot, now) -> states. No I/O, no clock; time moves only with the `now` it is given.
// Pending `for` and `resolve_after` timers live here, keyed by rule name and group key.
class RuleEvaluator {
 public:
  explicit RuleEvaluator(std::vector<Rule> rules);

  // Takes over the timers of rules that keep their name across a reload, so that a reload neither
  // restarts `for` nor forgets groups waiting to resolve.
  void Inherit(const RuleEvaluator& previous);

  // States in rule order (as configured), then group key order.
  std::vector<RuleState> Evaluate(const Snapshot& snapshot, WallTime now);

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  struct GroupMemory {
    LabelSet labels;
    std::optional<WallTime> active_since;
    std::optional<WallTime> inactive_since;
    bool firing = false;
    bool fired = false;  // fired since it was last forgotten: an incident may be open for it
  };
  struct RuleMemory {
    std::map<std::string, GroupMemory> groups;  // by group key
    bool firing = false;                        // some group fires (what depends_on sees)
  };

  std::optional<Suppression> FirstDownDependency(const Rule& rule, const Snapshot& snapshot) const;
  std::vector<RuleState> EvaluateRule(size_t index, const Snapshot& snapshot, WallTime now);

  std::vector<Rule> rules_;
  std::map<std::string, size_t> index_by_name_;
  std::vector<size_t> order_;  // dependencies before dependents
  std::vector<RuleMemory> memory_;
};

}  // namespace runbookd::rules
