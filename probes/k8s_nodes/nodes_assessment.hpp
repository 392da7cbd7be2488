#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::probes::k8s_nodes {

// A `type: k8s_nodes` spec (keys in probes/k8s_nodes/README.md).
struct NodesSpec {
  std::string label_selector;  // rendered labelSelector; empty: every node
  int64_t max_not_ready = 0;   // more nodes than this not Ready: unhealthy
  bool pressure_counts_as_not_ready = false;
};

// Judges a NodeList as GET /api/v1/nodes returns it. A node is not Ready unless its Ready
// condition is "True"; with pressure_counts_as_not_ready, a Memory/Disk/PIDPressure "True" also
// makes it not Ready. `now` dates how long a node has been NotReady (lastTransitionTime).
ProbeResult AssessNodes(const boost::json::value& node_list, WallTime now, const NodesSpec& spec);

}  // namespace runbookd::probes::k8s_nodes
