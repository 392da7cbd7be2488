#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::k8s_workload {

// `type: k8s_workload` probes: reads a Deployment and its pods and says why it is not serving
// (keys and results in probes/k8s_workload/README.md). Needs a kubernetes connection.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::k8s_workload
