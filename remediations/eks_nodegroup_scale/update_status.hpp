#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "daemon/core/action.hpp"
#include "remediations/eks_nodegroup_scale/nodegroup_plan.hpp"

// An EKS update as UpdateNodegroupConfig and DescribeUpdate answer it:
// {"update": {"id", "status": "InProgress|Failed|Cancelled|Successful", "errors": [...]}}. Pure.
namespace runbookd::remediations::eks_nodegroup_scale {

struct UpdateState {
  std::string id;
  std::string status;
  std::string errors;  // "AsgInstanceLaunchFailures: <message>; ..." (empty when none)
};
UpdateState ReadUpdate(const boost::json::value& body);

// How an update ended: ok for Successful (data {update_id, scalingConfig}), verify_failed with
// its errors for Failed or Cancelled; nullopt while it is still in progress.
std::optional<Outcome> Concluded(const UpdateState& update, const std::string& scaled, const ScalingConfig& target);

}  // namespace runbookd::remediations::eks_nodegroup_scale
