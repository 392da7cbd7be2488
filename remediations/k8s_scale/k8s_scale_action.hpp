#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::k8s_scale {

// `type: k8s_scale`: `kubectl scale deployment/X --replicas=N`, N absolute or a factor of the
// current count within min/max (keys and calls in remediations/k8s_scale/README.md).
ActionFactory MakeActionFactory();

}  // namespace runbookd::remediations::k8s_scale
