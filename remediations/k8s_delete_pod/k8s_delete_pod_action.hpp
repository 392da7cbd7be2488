#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::k8s_delete_pod {

// `type: k8s_delete_pod`: `kubectl delete pod P` for one named pod, or for the pods of a selector
// that are in a given state (CrashLoopBackOff, OOMKilled, ...), each bound to the UID the plan saw
// (keys and calls in remediations/k8s_delete_pod/README.md).
ActionFactory MakeActionFactory();

}  // namespace runbookd::remediations::k8s_delete_pod
