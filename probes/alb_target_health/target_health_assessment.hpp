#pragma once

#include <pugixml.hpp>

#include "daemon/core/probe_result.hpp"
#include "probes/alb_target_health/alb_spec.hpp"

namespace runbookd::probes::alb_target_health {

// Judges a <DescribeTargetHealthResult> and, when the spec names a load balancer, the
// <DescribeLoadBalancersResult> of that ARN (an empty node otherwise), as ELBv2 returns them
// (list items are <member> elements). Healthy iff the load balancer, when checked, is active and
// at least RequiredHealthy() targets are healthy. An answer missing what the judgement needs is
// unknown/api_error: missing data is never healthy.
ProbeResult AssessTargetHealth(pugi::xml_node target_health, pugi::xml_node load_balancers,
                               const AlbTargetHealthSpec& spec);

}  // namespace runbookd::probes::alb_target_health
