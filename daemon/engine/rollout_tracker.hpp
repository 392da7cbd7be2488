#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/engine/rollout_facts.hpp"
#include "daemon/rules/rollout.hpp"

namespace runbookd {

// The deciding half of the RolloutWatcher, without I/O: turns poll outcomes into the published
// rollout facts per Deployment and says when they change. Time comes from the clock (ManualClock
// in tests).
//
// Observation: when an answer shows a different revision (or a recreated Deployment, new uid) than
// the previous answer, the new revision began after that previous answer, so `began` is at least
// the time the old revision was last seen (BeganEvidence::kObserved). This beats a reused
// ReplicaSet's old creationTimestamp and holds for as long as the revision stays.
//
// Staleness: a failed poll keeps the published facts until `keep_after_failure` has passed since
// the last answer, then drops them (unknown). An answer without facts (no such Deployment, no
// revision yet) drops them at once: that is what the cluster says, not a failure to ask.
class RolloutTracker {
 public:
  RolloutTracker(const Clock& clock, std::chrono::milliseconds keep_after_failure);

  // The API answered (the Deployment and its ReplicaSets were read, or the Deployment is not
  // found: pass a ComputedRollout without facts). Returns whether the published facts changed.
  bool OnAnswer(const rules::DeploymentRef& ref, const ComputedRollout& computed);
  // The poll failed (transport, timeout, 5xx, forbidden, ...). Returns whether the published facts
  // changed (were dropped).
  bool OnFailure(const rules::DeploymentRef& ref);

  // Every Deployment whose facts are known.
  const std::map<rules::DeploymentRef, rules::RolloutFacts>& facts() const { return published_; }
  // Failed polls since the last answer.
  int consecutive_failures(const rules::DeploymentRef& ref) const;

 private:
  struct Memory {
    // The latest revision an answer showed, of which Deployment object, and when it was last shown.
    std::optional<int64_t> revision;
    std::string uid;
    WallTime revision_last_seen{};
    // For the current revision: it began after this (the previous revision was seen then).
    std::optional<WallTime> began_after;
    std::optional<SteadyTime> last_answer;
    int failures = 0;
  };

  bool Publish(const rules::DeploymentRef& ref, std::optional<rules::RolloutFacts> facts);

  const Clock& clock_;
  std::chrono::milliseconds keep_after_failure_;
  std::map<rules::DeploymentRef, Memory> memory_;
  std::map<rules::DeploymentRef, rules::RolloutFacts> published_;
};

}  // namespace runbookd
