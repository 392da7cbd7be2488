#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"

// An EKS managed nodegroup's scaling config as DescribeNodegroup shows it, and the
// UpdateNodegroupConfig plan made from it (protocol-facts §3.4). Pure.
namespace runbookd::remediations::eks_nodegroup_scale {

inline constexpr std::string_view kType = "eks_nodegroup_scale";

struct ScalingConfig {
  int64_t min = 0;
  int64_t max = 0;
  int64_t desired = 0;
  bool operator==(const ScalingConfig&) const = default;
};

// What to change: the given sizes replace the current ones, the others stay.
struct ScaleRequest {
  std::string cluster;
  std::string nodegroup;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  std::optional<int64_t> desired;

  std::string Display() const { return cluster + "/" + nodegroup; }  // in summaries
};

// The parts of DescribeNodegroup's {"nodegroup": {...}} a plan depends on.
struct Nodegroup {
  std::string status;              // ACTIVE, UPDATING, DEGRADED, ...
  boost::json::value modified_at;  // as sent (epoch seconds); null when absent
  std::optional<ScalingConfig> scaling;
};
Nodegroup ReadNodegroup(const boost::json::value& body);

// EKS names: a letter or digit, then letters, digits, '-' and '_'; clusters up to 100, nodegroups
// up to 63. They go into URL paths unescaped, so nothing else may pass.
bool IsEksName(std::string_view name, size_t max_length);

std::string NodegroupPath(const std::string& cluster, const std::string& nodegroup);
std::string UpdatePath(const std::string& cluster, const std::string& nodegroup, const std::string& update_id);

// The sizes after merging `request` into `current`; `error` (for kInvalidParams) when they break
// 0 ≤ min ≤ desired ≤ max, max ≥ 1.
struct MergedConfig {
  ScalingConfig config;
  std::string error;
};
MergedConfig Merge(const ScaleRequest& request, const ScalingConfig& current);

boost::json::object ScalingJson(const ScalingConfig& config);
// {minSize, maxSize, desiredSize} back; nullopt when one is missing.
std::optional<ScalingConfig> ScalingFromJson(const boost::json::value* v);

// What a plan binds to: {kind: Nodegroup, name: "c/ng", status, modifiedAt, scalingConfig}.
boost::json::object ObservedNodegroup(const ScaleRequest& request, const Nodegroup& nodegroup);

// The idempotency token: a UUID-shaped digest (version 8, RFC 9562) of the nodegroup, the target
// sizes and the observed state, so a repeated Execute of one plan sends the same token and EKS
// answers with the same update instead of making another.
std::string RequestToken(const ScaleRequest& request, const ScalingConfig& target, const boost::json::object& observed);

// From the nodegroup as read: the runnable plan, kRefused (not ACTIVE), kInvalidParams (bounds),
// kNoop (nothing changes), kApiError (no scaling config). `target` is ActionPlan::target.
ActionPlan PlanNodegroupScale(const ScaleRequest& request, const Nodegroup& nodegroup, std::string target);

// Compares the nodegroup read now with the plan's: nullopt when the update may be sent, else the
// conflict detail. Already at `target`, or UPDATING with the planned sizes, passes: that may be
// this plan's own earlier attempt, which the same token makes EKS answer with the same update (a
// foreign update in progress gets ResourceInUseException from EKS).
std::optional<std::string> DescribeChange(const ScaleRequest& request, const boost::json::object& observed,
                                          const Nodegroup& now, const ScalingConfig& target);

// "desired 3 → 6 (min 1, max 10)": each size, with an arrow where it changes.
std::string DescribeSizes(const ScalingConfig& from, const ScalingConfig& to);

}  // namespace runbookd::remediations::eks_nodegroup_scale
