#include "daemon/engine/rollout_tracker.hpp"

namespace runbookd {

RolloutTracker::RolloutTracker(const Clock& clock, std::chrono::milliseconds keep_after_failure)
    : clock_(clock), keep_after_failure_(keep_after_failure) {}

bool RolloutTracker::OnAnswer(const rules::DeploymentRef& ref, const ComputedRollout& computed) {
  Memory& memory = memory_[ref];
  memory.last_answer = clock_.SteadyNow();
  memory.failures = 0;
  if (!computed.facts) {
    // The revision seen last stays remembered: if it changed meanwhile, it changed after it was seen.
    return Publish(ref, std::nullopt);
  }
  rules::RolloutFacts facts = *computed.facts;
  const WallTime now = clock_.WallNow();
  const bool same = memory.revision == facts.revision && memory.uid == computed.deployment_uid;
  if (!same) memory.began_after = memory.revision ? std::optional(memory.revision_last_seen) : std::nullopt;
  memory.revision = facts.revision;
  memory.uid = computed.deployment_uid;
  memory.revision_last_seen = now;
  if (memory.began_after && *memory.began_after > facts.began) {
    facts.began = *memory.began_after;
    facts.began_evidence = rules::BeganEvidence::kObserved;
  }
  return Publish(ref, facts);
}

bool RolloutTracker::OnFailure(const rules::DeploymentRef& ref) {
  Memory& memory = memory_[ref];
  ++memory.failures;
  if (!memory.last_answer || clock_.SteadyNow() - *memory.last_answer < keep_after_failure_) return false;
  return Publish(ref, std::nullopt);
}

int RolloutTracker::consecutive_failures(const rules::DeploymentRef& ref) const {
  auto it = memory_.find(ref);
  return it == memory_.end() ? 0 : it->second.failures;
}

bool RolloutTracker::Publish(const rules::DeploymentRef& ref, std::optional<rules::RolloutFacts> facts) {
  auto it = published_.find(ref);
  if (!facts) {
    if (it == published_.end()) return false;
    published_.erase(it);
    return true;
  }
  if (it != published_.end() && it->second == *facts) return false;
  published_[ref] = *facts;
  return true;
}

}  // namespace runbookd
