#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::alb_target_health {

// `type: alb_target_health` probes: DescribeTargetHealth of a target group and, optionally,
// DescribeLoadBalancers of its load balancer, both under the run's deadline (keys, reasons and
// observations in probes/alb_target_health/README.md). Needs a connection of type aws.
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::alb_target_health
