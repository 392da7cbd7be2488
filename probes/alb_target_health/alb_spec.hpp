#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/node.hpp"

namespace runbookd::probes::alb_target_health {

// A `type: alb_target_health` spec (keys in probes/alb_target_health/README.md).
struct AlbTargetHealthSpec {
  std::string target_group_arn;
  std::string load_balancer_arn;  // empty: the load balancer's state is not checked
  int64_t min_healthy = 1;
  // "50%": min_healthy is this share of the targets not draining, rounded up, at least 1.
  std::optional<int64_t> min_healthy_percent;
};

// Reads the spec; errors are recorded on its nodes.
AlbTargetHealthSpec ReadSpec(const config::Node& spec);

// How many healthy targets `spec` asks for when `counted` targets count towards a percentage.
int64_t RequiredHealthy(const AlbTargetHealthSpec& spec, int64_t counted);

}  // namespace runbookd::probes::alb_target_health
