#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"

namespace runbookd::rules {

// One Deployment as rules name it: the kubernetes connection (a `connections:` entry), the
// namespace and the Deployment's name.
struct DeploymentRef {
  std::string connection;
  std::string ns;
  std::string deployment;

  auto operator<=>(const DeploymentRef&) const = default;
};

// "prod/production/ecommerce-backend".
std::string ToString(const DeploymentRef& ref);

// What established RolloutFacts::began, from the strongest evidence to the weakest.
enum class BeganEvidence {
  kObserved,          // the watcher saw the previous revision at `began`, and the new one after it
  kNewReplicaSet,     // creationTimestamp of a ReplicaSet made for this revision (exact)
  kProgressing,       // the Progressing condition's lastUpdateTime naming this revision's ReplicaSet
  kReusedReplicaSet,  // creationTimestamp of a ReplicaSet reused by a rollback: earlier than the truth
};
std::string_view ToString(BeganEvidence evidence);

// What is known of a Deployment's current rollout. Absent from the snapshot means unknown.
struct RolloutFacts {
  int64_t revision = 0;  // the Deployment's deployment.kubernetes.io/revision
  WallTime began{};      // when this revision started rolling out
  BeganEvidence began_evidence = BeganEvidence::kNewReplicaSet;
  std::optional<int64_t> previous_revision;  // the highest older revision still kept in a ReplicaSet
  // Not complete (kubectl rollout status): the controller has not observed the latest spec yet, or
  // fewer replicas are updated / available than wanted, or old replicas are still running. A
  // rollout stuck past its progress deadline is still in progress.
  bool in_progress = false;

  bool operator==(const RolloutFacts&) const = default;
};

// "revision 7 (previous 6) began 2027-01-15T08:00:00Z (new_replicaset), in progress", for logs.
std::string Describe(const RolloutFacts& facts);

// UTC to the second: "2027-01-15T08:00:00Z".
std::string FormatUtc(WallTime t);

}  // namespace runbookd::rules
