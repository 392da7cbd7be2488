#pragma once

#include <chrono>

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::eks_nodegroup_scale {

// How often Execute reads the update while EKS applies it.
inline constexpr std::chrono::milliseconds kDefaultPollInterval{10'000};

// `type: eks_nodegroup_scale`: UpdateNodegroupConfig's scalingConfig for a managed nodegroup,
// bound to the sizes seen at plan time, then a wait for the update (keys and calls in
// remediations/eks_nodegroup_scale/README.md). Tests pass a short `poll_interval`.
ActionFactory MakeActionFactory(std::chrono::milliseconds poll_interval = kDefaultPollInterval);

}  // namespace runbookd::remediations::eks_nodegroup_scale
