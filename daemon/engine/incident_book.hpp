#pragma once

#include <chrono>
#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/rules/evaluator.hpp"
#include "daemon/rules/rule.hpp"

namespace runbookd {

// One incident per rule and group.
struct IncidentKey {
  std::string rule;
  std::string group_key;
  auto operator<=>(const IncidentKey&) const = default;
};

// What the book decided at one evaluation; each becomes one timeline entry (and, for opened and
// resolved, a state change in the store).
struct IncidentEvent {
  enum class Kind {
    kOpened,           // the rule fired for a group with no unresolved incident
    kSignal,           // new evidence joined an open incident (a probe result, an alert)
    kStoppedMatching,  // the rule stopped matching; the incident resolves after resolve_after
    kMatchingAgain,    // ...unless it matches again first
    kSuppressed,       // a dependency is down: the incident's actions must not run
    kUnsuppressed,
    kResolved,
  };
  Kind kind = Kind::kOpened;
  IncidentKey key;
  WallTime at;
  std::string source;   // "rule", "probe:NAME", "alert:FINGERPRINT", "engine"
  std::string message;  // for humans
  // The incident as the book has it after this event, so the event alone can find or create its
  // stored row (a write that failed earlier is retried with the next evaluation's events).
  rules::LabelSet group_labels;
  rules::Severity severity = rules::Severity::kWarning;
  WallTime opened_at;
  std::optional<std::string> suppressed_by;
};
std::string_view ToString(IncidentEvent::Kind kind);

// An unresolved incident as the book tracks it.
struct OpenIncident {
  IncidentKey key;
  rules::LabelSet group_labels;
  rules::Severity severity = rules::Severity::kWarning;
  WallTime opened_at;
  bool matching = true;                      // the rule currently matches for this group
  std::optional<std::string> suppressed_by;  // dependency name
  std::set<std::string> evidence;            // evidence texts already recorded in the timeline
  std::optional<WallTime> restored_at;       // set for incidents carried over a restart, until seen again
};

// Pure: turns the evaluator's rule states into incident events. The daemon persists the events
// (daemon/engine/incident_manager); `runbookctl test rules` runs the same book offline.
class IncidentBook {
 public:
  // Incidents left open by a previous run. The evaluator starts with no memory of them, so each
  // resolves after its rule's resolve_after unless the rule matches for its group again first.
  void Restore(OpenIncident incident, WallTime now);

  std::vector<IncidentEvent> Apply(const std::vector<rules::RuleState>& states, const std::vector<rules::Rule>& rules,
                                   WallTime now);

  const std::map<IncidentKey, OpenIncident>& open() const { return open_; }

  // Restored incidents resolve only after resolve_after plus this grace, which covers the time the
  // first probe results and `for` need after a restart (jittered first runs, fail_after).
  void SetRestoreGrace(std::chrono::milliseconds grace) { restore_grace_ = grace; }

 private:
  void ApplyState(const rules::RuleState& state, const rules::Rule& rule, WallTime now,
                  std::vector<IncidentEvent>& events);
  void ResolveStale(const std::vector<rules::Rule>& rules, const std::set<IncidentKey>& seen, WallTime now,
                    std::vector<IncidentEvent>& events);

  std::map<IncidentKey, OpenIncident> open_;
  std::chrono::milliseconds restore_grace_{0};
};

}  // namespace runbookd
