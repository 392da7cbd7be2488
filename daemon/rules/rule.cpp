#include "daemon/rules/rule.hpp"

#include <algorithm>

#include "config/duration.hpp"

namespace runbookd::rules {

namespace {

struct Describer {
  std::string operator()(const ProbeCondition& c) const {
    std::string out = "probe " + c.probe + " is " + std::string(runbookd::ToString(c.status));
    if (c.consecutive) out += " " + std::to_string(*c.consecutive) + " times in a row";
    return out;
  }
  std::string operator()(const AlertCondition& c) const {
    std::string out;
    for (const auto& m : c.matchers) out += (out.empty() ? "" : ",") + m.ToString();
    return "alert {" + out + "}";
  }
  std::string operator()(const RecentRolloutCondition& c) const {
    return "deployment " + ToString(c.deployment) + " rolled out within " + config::FormatDuration(c.within);
  }
  std::string operator()(const AllCondition& c) const { return List("all", c.conditions); }
  std::string operator()(const AnyCondition& c) const { return List("any", c.conditions); }
  std::string operator()(const NotCondition& c) const {
    return "not(" + (c.condition ? Describe(*c.condition) : std::string()) + ")";
  }

  static std::string List(std::string_view word, const std::vector<Condition>& conditions) {
    std::string out;
    for (const auto& c : conditions) out += (out.empty() ? "" : ", ") + Describe(c);
    return std::string(word) + "(" + out + ")";
  }
};

void CollectRolloutTargets(const Condition& condition, std::vector<DeploymentRef>& out) {
  if (const auto* rollout = std::get_if<RecentRolloutCondition>(&condition.kind)) {
    out.push_back(rollout->deployment);
  } else if (const auto* all = std::get_if<AllCondition>(&condition.kind)) {
    for (const auto& c : all->conditions) CollectRolloutTargets(c, out);
  } else if (const auto* any = std::get_if<AnyCondition>(&condition.kind)) {
    for (const auto& c : any->conditions) CollectRolloutTargets(c, out);
  } else if (const auto* negation = std::get_if<NotCondition>(&condition.kind)) {
    if (negation->condition) CollectRolloutTargets(*negation->condition, out);
  }
}

}  // namespace

std::string_view ToString(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kHigh:
      return "high";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "unknown";
}

const std::vector<std::string>& SeverityNames() {
  static const std::vector<std::string> kNames = {"critical", "high", "warning", "info"};
  return kNames;
}

std::string Describe(const Condition& condition) { return std::visit(Describer{}, condition.kind); }

std::vector<DeploymentRef> RolloutTargets(const std::vector<Rule>& rules) {
  std::vector<DeploymentRef> out;
  for (const auto& rule : rules) {
    CollectRolloutTargets(rule.when, out);
    for (const auto& step : rule.then) {
      if (step.condition) CollectRolloutTargets(*step.condition, out);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace runbookd::rules
