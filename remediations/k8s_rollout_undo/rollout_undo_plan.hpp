#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"
#include "remediations/k8s_common/names.hpp"

// What `kubectl rollout undo deployment/X [--to-revision=N]` decides (protocol-facts §1.2, kubectl
// pkg/polymorphichelpers/rollback.go), from the objects the API returned. Pure: no I/O, no clock.
namespace runbookd::remediations::k8s_rollout_undo {

inline constexpr std::string_view kType = "k8s_rollout_undo";

struct UndoRequest {
  k8s_common::DeploymentRef deployment;
  int64_t to_revision = 0;  // 0: the previous revision
};

// Go's equality.Semantic.DeepEqual on typed objects, emulated on their JSON: absent, null, {} and
// [] are all the zero value and so equal, recursively (an object of only such members is empty
// too). This absorbs the artefacts of Go serialisation ("creationTimestamp": null, "resources": {}).
bool SemanticEqual(const boost::json::value& a, const boost::json::value& b);

// A pod template without the `pod-template-hash` label (dropping `labels` when that empties it, as
// Go's omitempty does).
boost::json::value WithoutHashLabel(const boost::json::value& pod_template);

// kubectl's equalIgnoreHash: the templates are semantically equal once both lose the hash label.
bool EqualIgnoreHash(const boost::json::value& template1, const boost::json::value& template2);

// The annotations the rollback writes, replacing the Deployment's wholesale: for each key of the
// skip list (last-applied-configuration, the revision bookkeeping, deprecated.deployment.rollback.to)
// the Deployment's value when it has one, plus every other annotation of the ReplicaSet. Other
// Deployment annotations are dropped, as kubectl drops them. Keys sorted, as Go marshals a map.
boost::json::object RollbackAnnotations(const boost::json::value& deployment, const boost::json::value& replica_set);

// The JSON patch kubectl sends (application/json-patch+json):
//   [{"op":"replace","path":"/spec/template","value":T},{"op":"replace","path":"/metadata/annotations","value":A}]
std::string RollbackPatch(const boost::json::value& pod_template, const boost::json::object& annotations);

// The LIST path of the Deployment's ReplicaSets: labelSelector = its spec.selector rendered.
// nullopt (with `error`) when the selector cannot be rendered.
std::optional<std::string> ReplicaSetListPath(const UndoRequest& request, const boost::json::value& deployment,
                                              std::string* error);

// The ReplicaSet kubectl's deploymentRevision picks, or the refusal's message.
struct Choice {
  const boost::json::value* replica_set = nullptr;
  int64_t revision = 0;         // the chosen ReplicaSet's
  int64_t latest_revision = 0;  // the highest revision among the Deployment's ReplicaSets
  std::string refusal;          // set when replica_set is null
};
Choice ChooseReplicaSet(const boost::json::value& deployment, const boost::json::value& replica_set_list,
                        int64_t to_revision);

// The whole decision: the runnable plan (steps, observed Deployment and ReplicaSet, details with
// the exact patch), or the verdict kubectl's checks give, in kubectl's order: revision lookup,
// paused, unchanged template.
ActionPlan PlanUndo(const UndoRequest& request, const boost::json::value& deployment,
                    const boost::json::value& replica_set_list);

}  // namespace runbookd::remediations::k8s_rollout_undo
