#pragma once

#include <optional>
#include <string>

#include "config/node.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/registry.hpp"
#include "remediations/eks_nodegroup_scale/nodegroup_plan.hpp"

// The spec of an eks_nodegroup_scale action and the params of one run.
namespace runbookd::remediations::eks_nodegroup_scale {

// Reads `cluster`, `nodegroup` (required), `min_size`, `max_size`, `desired_size` (at least one,
// consistent among those given); the item needs a connection of type aws. Errors are recorded on
// `spec`; nullopt when there is any.
std::optional<ScaleRequest> ReadScaleRequest(const config::Node& spec, const ActionDeps& deps);

// Applies the run's params (`min_size`, `max_size`, `desired_size` replace the spec's): nullopt,
// or the invalid_params message.
std::optional<std::string> ApplyParams(ScaleRequest& request, const ActionParams& params);

// ActionPlan::target: "eu-west-1/eks/prod/nodegroup/workers".
std::string PlanTarget(const std::string& region, const ScaleRequest& request);

}  // namespace runbookd::remediations::eks_nodegroup_scale
