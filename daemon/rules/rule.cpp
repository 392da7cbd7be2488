#include "daemon/rules/rule.hpp"

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

}  // namespace runbookd::rules
