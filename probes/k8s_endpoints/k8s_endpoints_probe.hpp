#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::k8s_endpoints {

// `type: k8s_endpoints` probes: counts the ready addresses behind a Service (keys and results in
// probes/k8s_endpoints/README.md). Needs a kubernetes connection.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::k8s_endpoints
