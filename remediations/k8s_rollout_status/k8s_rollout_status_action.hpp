#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::k8s_rollout_status {

// `type: k8s_rollout_status`: `kubectl rollout status deployment/X [--revision=R] --timeout=T`,
// polling the Deployment (keys and calls in remediations/k8s_rollout_status/README.md). The
// decision itself is EvaluateRolloutStatus in rollout_status.hpp.
ActionFactory MakeActionFactory();

}  // namespace runbookd::remediations::k8s_rollout_status
