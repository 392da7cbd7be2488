#pragma once

#include <set>
#include <string>
#include <vector>

#include "daemon/rules/labels.hpp"
#include "daemon/rules/rule.hpp"
#include "daemon/rules/snapshot.hpp"

namespace runbookd::rules {

// One signal that made a condition true, worded for an incident timeline.
struct Evidence {
  // A rollout's evidence is, for now, of kind kNegation (which the incident book records with the
  // source "rule"): a kind of its own needs the book to map it first.
  enum class Kind { kProbe, kAlert, kNegation };
  Kind kind = Kind::kProbe;
  // probe name, alert fingerprint, (kNegation) the negated condition, or the rollout's deployment
  // ("prod/production/web")
  std::string subject;
  std::string text;  // "probe api is unhealthy (connection_refused)", "alert APIEndpointDown fp=..."
};

// The group a condition is evaluated in. A signal belongs to the group when each group_by label it
// carries (non-empty) has the group's value; a signal without the label counts in every group, so
// a global probe can join an all: with per-service alerts.
struct GroupScope {
  std::vector<std::string> group_by;
  LabelSet group;  // only non-empty values of group_by labels
  bool Admits(const LabelSet& labels) const;
};

// The group_by labels of `labels` that are present and non-empty.
LabelSet ProjectLabels(const LabelSet& labels, const std::vector<std::string>& group_by);

// The groups named by the signals that satisfy a probe or alert condition outside an odd number of
// `not`s: one per distinct projection of their labels onto group_by.
std::set<LabelSet> CandidateGroups(const Condition& condition, const Snapshot& snapshot,
                                   const std::vector<std::string>& group_by);

struct ConditionResult {
  bool holds = false;
  std::vector<Evidence> evidence;  // when it holds: the signals that made it so, without repeats
};

// Whether `condition` holds within `scope` at `now` (the evaluation's wall time, against which
// recent_rollout's `within` is measured). Pure: reads only its arguments.
ConditionResult EvaluateCondition(const Condition& condition, const Snapshot& snapshot, const GroupScope& scope,
                                  WallTime now);

}  // namespace runbookd::rules
