#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::k8s_rollout_restart {

// `type: k8s_rollout_restart`: `kubectl rollout restart deployment/X` with kubectl's exact
// semantics (keys and calls in remediations/k8s_rollout_restart/README.md).
ActionFactory MakeActionFactory();

}  // namespace runbookd::remediations::k8s_rollout_restart
