#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::rds {

// `type: rds` probes: DescribeDBInstances and/or DescribeDBClusters, under the run's deadline
// (keys, reasons and observations in probes/rds/README.md). Needs a connection of type aws.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::rds
