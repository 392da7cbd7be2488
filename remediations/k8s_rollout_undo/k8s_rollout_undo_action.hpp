#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::k8s_rollout_undo {

// `type: k8s_rollout_undo`: `kubectl rollout undo deployment/X [--to-revision=N]` with kubectl's
// exact semantics, bound to the Deployment and ReplicaSet seen at plan time (keys and calls in
// remediations/k8s_rollout_undo/README.md).
ActionFactory MakeActionFactory();

}  // namespace runbookd::remediations::k8s_rollout_undo
