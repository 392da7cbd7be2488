#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"
#include "remediations/k8s_common/names.hpp"

// What `kubectl scale deployment/X --replicas=N` sends (protocol-facts §1.4), with the target
// computed from an absolute count or a factor of the current one, within bounds. Pure.
namespace runbookd::remediations::k8s_scale {

inline constexpr std::string_view kType = "k8s_scale";

// How the new replica count is found. Exactly one of `replicas` and `factor` is set.
struct ScaleRule {
  std::optional<int64_t> replicas;  // absolute
  std::optional<double> factor;     // relative: ceil(current × factor), > 0
  std::optional<int64_t> min;       // bounds, applied to a factor's result
  std::optional<int64_t> max;
  bool allow_zero = false;
};

// What is wrong with a rule (both or neither of replicas/factor, factor <= 0, negative numbers,
// min > max, replicas outside min..max, 0 without allow_zero); nullopt when it is usable.
std::optional<std::string> RuleError(const ScaleRule& rule);

// The rule with the run's params applied: `replicas` replaces the spec's replicas or factor.
// A message naming the param when it is unknown or unusable.
struct RuleOrError {
  ScaleRule rule;
  std::string error;  // set: invalid params
};
RuleOrError ApplyParams(ScaleRule rule, const ActionParams& params);

// The new count for `current` replicas: the absolute count, or ceil(current × factor) clamped to
// min/max. `how` (optional) receives a few words on how it was found, for the summary.
int64_t TargetReplicas(const ScaleRule& rule, int64_t current, std::string* how = nullptr);

// The merge patch kubectl sends to the scale subresource: {"spec":{"replicas":N}}.
std::string ScalePatch(int64_t replicas);

// From the Deployment as read (current = spec.replicas, absent = 1): the runnable plan, kRefused
// for 0 without allow_zero, or kNoop when already there.
ActionPlan PlanScale(const k8s_common::DeploymentRef& ref, const ScaleRule& rule, const boost::json::value& deployment);

}  // namespace runbookd::remediations::k8s_scale
