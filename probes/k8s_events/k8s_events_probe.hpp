#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::k8s_events {

// `type: k8s_events` probes: counts a namespace's recent Warning events (keys and results in
// probes/k8s_events/README.md). Needs a kubernetes connection.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::k8s_events
