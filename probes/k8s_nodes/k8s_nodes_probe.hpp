#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::k8s_nodes {

// `type: k8s_nodes` probes: lists the cluster's nodes and judges their Ready and pressure
// conditions (keys and results in probes/k8s_nodes/README.md). Needs a kubernetes connection.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::k8s_nodes
