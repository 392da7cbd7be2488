#include "remediations/k8s_scale/scale_plan.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <sstream>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/unchanged.hpp"

namespace runbookd::remediations::k8s_scale {

namespace json = boost::json;

namespace {

// Deployment.spec.replicas is an int32.
constexpr int64_t kMaxReplicas = std::numeric_limits<int32_t>::max();

std::string Number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::optional<std::string> RuleError(const ScaleRule& rule) {
  if (rule.replicas && rule.factor) return "give either replicas (absolute) or factor (relative), not both";
  if (!rule.replicas && !rule.factor) return "give replicas (absolute) or factor (relative)";
  if (rule.factor && !(std::isfinite(*rule.factor) && *rule.factor > 0)) {
    return "factor must be a number greater than 0, got " + Number(*rule.factor);
  }
  const std::pair<const char*, std::optional<int64_t>> counts[] = {
      {"replicas", rule.replicas}, {"min", rule.min}, {"max", rule.max}};
  for (const auto& [name, value] : counts) {
    if (value && (*value < 0 || *value > kMaxReplicas)) {
      return std::string(name) + " must be between 0 and " + std::to_string(kMaxReplicas) + ", got " +
             std::to_string(*value);
    }
  }
  if (rule.min && rule.max && *rule.min > *rule.max) {
    return "min (" + std::to_string(*rule.min) + ") is greater than max (" + std::to_string(*rule.max) + ")";
  }
  if (rule.replicas && rule.min && *rule.replicas < *rule.min) {
    return "replicas " + std::to_string(*rule.replicas) + " is below min " + std::to_string(*rule.min);
  }
  if (rule.replicas && rule.max && *rule.replicas > *rule.max) {
    return "replicas " + std::to_string(*rule.replicas) + " is above max " + std::to_string(*rule.max);
  }
  if (rule.replicas && *rule.replicas == 0 && !rule.allow_zero) return "replicas 0 needs allow_zero: true";
  return std::nullopt;
}

RuleOrError ApplyParams(ScaleRule rule, const ActionParams& params) {
  RuleOrError out;
  if (auto unknown = k8s_common::UnknownParam(params, {"replicas"})) {
    out.error = k8s_common::UnknownParamMessage(kType, *unknown, {"replicas"});
    return out;
  }
  if (auto it = params.find("replicas"); it != params.end()) {
    const auto replicas = k8s_common::ParseInt64(it->second);
    if (!replicas) {
      out.error = "param replicas: expected an integer, got " + k8s_common::GoQuote(it->second);
      return out;
    }
    rule.replicas = *replicas;
    rule.factor.reset();
    // Zero is refused at plan time with its own message, like a factor that reaches zero.
    ScaleRule checked = rule;
    checked.allow_zero = true;
    if (auto error = RuleError(checked)) {
      out.error = "param " + *error;
      return out;
    }
  }
  out.rule = std::move(rule);
  return out;
}

int64_t TargetReplicas(const ScaleRule& rule, int64_t current, std::string* how) {
  if (rule.replicas) {
    if (how) *how = "";
    return *rule.replicas;
  }
  const double exact = static_cast<double>(current) * rule.factor.value_or(1);
  // 10 × 1.1 is 11.000000000000002 in binary: a result within rounding error of a whole number is
  // that number, not the next one.
  const double nearest = std::round(exact);
  double target = std::abs(exact - nearest) < 1e-9 ? nearest : std::ceil(exact);
  target = std::min(target, static_cast<double>(kMaxReplicas));
  auto replicas = static_cast<int64_t>(target);
  std::string note = "factor " + Number(*rule.factor);
  if (rule.min && replicas < *rule.min) {
    replicas = *rule.min;
    note += ", raised to min " + std::to_string(*rule.min);
  }
  if (rule.max && replicas > *rule.max) {
    replicas = *rule.max;
    note += ", lowered to max " + std::to_string(*rule.max);
  }
  if (how) *how = note;
  return replicas;
}

std::string ScalePatch(int64_t replicas) {
  return json::serialize(json::object{{"spec", json::object{{"replicas", replicas}}}});
}

ActionPlan PlanScale(const k8s_common::DeploymentRef& ref, const ScaleRule& rule, const json::value& deployment) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = ref.Target();
  const json::object identity = k8s::ObservedIdentity("Deployment", deployment);
  plan.observed.push_back(identity);
  const int64_t current = k8s::IntAt(deployment, {"spec", "replicas"}).value_or(1);  // the API's default
  std::string how;
  const int64_t target = TargetReplicas(rule, current, &how);
  if (target == 0 && !rule.allow_zero) {
    k8s_common::Conclude(plan, OutcomeReason::kRefused,
                         "refusing to scale " + ref.Display() + " to 0 replicas (set allow_zero: true)");
    return plan;
  }
  if (target == current) {
    k8s_common::Conclude(plan, OutcomeReason::kNoop, "already at " + std::to_string(current) + " replicas");
    return plan;
  }
  plan.summary = "scale " + ref.Display() + " from " + std::to_string(current) + " to " + std::to_string(target) +
                 " replicas" + (how.empty() ? "" : " (" + how + ")");
  plan.steps = {k8s_common::VerifyStep(identity),
                "PATCH " + k8s::DeploymentScalePath(ref.ns, ref.name) + " (application/merge-patch+json)"};
  plan.details = json::object{
      {"from", current},
      {"to", target},
      {"content_type", "application/merge-patch+json"},
      {"patch", ScalePatch(target)},
  };
  return plan;
}

}  // namespace runbookd::remediations::k8s_scale
