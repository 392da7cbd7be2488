#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"
#include "daemon/rules/rollout.hpp"

namespace runbookd {

// What one poll of a Deployment says about its rollout, or why it says nothing.
struct ComputedRollout {
  std::optional<rules::RolloutFacts> facts;  // nullopt: unknown (see `why`)
  std::string deployment_uid;                // metadata.uid, when the Deployment has one
  std::string why;                           // when unknown: one line for the log
};

// The rollout facts of `deployment` (an apps/v1 Deployment) given the ReplicaSets its selector
// lists (`items` of a ReplicaSet list). Pure. Unknown when the Deployment has no revision yet, or
// no ReplicaSet it controls carries that revision.
//
// revision: the Deployment's deployment.kubernetes.io/revision. The current ReplicaSet is the one
// controlled by this Deployment (ownerReferences controller:true with its uid) whose own revision
// annotation equals it; ReplicaSets of other owners (an adopted-away or unrelated set matching the
// selector) are ignored. previous_revision: the highest revision below it among the controlled
// ReplicaSets.
//
// began: when the current revision started. A ReplicaSet made for this revision was created at
// that moment, so its creationTimestamp is exact. A rollback (or any return to an earlier pod
// template) instead reuses the old ReplicaSet: the controller gives it the new revision number and
// records the old ones in deployment.kubernetes.io/revision-history, and its creationTimestamp
// dates the old rollout. Then the best evidence is the Deployment's Progressing condition when it
// names that ReplicaSet (reasons NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, or
// NewReplicaSetAvailable once done): its lastUpdateTime is set when the controller starts or
// advances this rollout (or completes it), so the revision began at or shortly before it. Its
// lastTransitionTime is no evidence: it changes only when the condition's status flips, and keeps
// the time of an earlier rollout while every rollout succeeds. Without that condition the old
// creationTimestamp is all there is (kReusedReplicaSet): too early, so the rollout looks older than
// it is and a recent_rollout rule errs on the side of not acting. The watcher's own observation of
// the revision changing (RolloutTracker) beats all of these.
ComputedRollout ComputeRolloutFacts(const boost::json::value& deployment, const boost::json::array& replicasets);

// Kubernetes timestamps (metav1.Time, RFC 3339: "2024-05-01T12:00:00Z", also with a fraction or an
// offset). nullopt when malformed.
std::optional<WallTime> ParseKubernetesTime(std::string_view text);

}  // namespace runbookd
