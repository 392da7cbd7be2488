#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/core/probe_result.hpp"
#include "daemon/rules/label_matcher.hpp"
#include "daemon/rules/labels.hpp"
#include "daemon/rules/rollout.hpp"

namespace runbookd::rules {

// A closed set, so that incidents_open{severity} has a known set of series and notifiers can map
// it (PagerDuty: critical, error, warning, info).
enum class Severity { kCritical, kHigh, kWarning, kInfo };
std::string_view ToString(Severity severity);
const std::vector<std::string>& SeverityNames();  // in declaration order

struct Condition;

// `{probe: api, status: unhealthy}`: the probe's settled state (after flap damping) is `status`.
// With `consecutive: N`: its latest N raw results all had `status`.
struct ProbeCondition {
  std::string probe;
  ProbeStatus status = ProbeStatus::kUnhealthy;
  std::optional<int> consecutive;
};

// `{alert: {alertname: X, severity: "=~critical|page"}}`: some firing alert matches every matcher.
struct AlertCondition {
  std::vector<LabelMatcher> matchers;
};

// `{recent_rollout: {connection: prod, namespace: production, deployment: web, within: 30m}}`: the
// Deployment's current revision began rolling out at most `within` before the evaluation's time.
// Unknown rollout facts never hold.
struct RecentRolloutCondition {
  DeploymentRef deployment;
  std::chrono::milliseconds within{0};
};

struct AllCondition {
  std::vector<Condition> conditions;
};

struct AnyCondition {
  std::vector<Condition> conditions;
};

struct NotCondition {
  std::shared_ptr<const Condition> condition;
};

// No scripting: a condition is one of these, nested at will.
struct Condition {
  std::variant<ProbeCondition, AlertCondition, RecentRolloutCondition, AllCondition, AnyCondition, NotCondition> kind;
};

// One line of text for a condition, for evidence and error messages: `probe api is unhealthy`,
// `alert {alertname="X",severity=~"critical|page"}`, `deployment prod/production/web rolled out
// within 30m`, `all(..., ...)`, `not(...)`.
std::string Describe(const Condition& condition);

// A step of a rule's `then:` list. Executed by the action pipeline; the rules only keep it.
struct ActionStep {
  std::string action;
  std::optional<Condition> condition;  // `if:`; absent means always
};

enum class DependencyKind { kProbe, kRule };

// An entry of depends_on, resolved by the parser to what it names.
struct Dependency {
  DependencyKind kind = DependencyKind::kProbe;
  std::string name;
};

// Alertmanager's own resolve_timeout default: long enough that a probe or alert blinking back to
// normal for one interval does not close and reopen the incident.
inline constexpr std::chrono::milliseconds kDefaultResolveAfter = std::chrono::minutes(5);

struct Rule {
  std::string name;
  Severity severity = Severity::kWarning;
  LabelSet labels;  // static labels added to the rule's incidents
  Condition when;
  std::chrono::milliseconds for_duration{0};  // `for:` active this long before firing
  std::chrono::milliseconds resolve_after = kDefaultResolveAfter;
  std::vector<Dependency> depends_on;
  std::vector<std::string> group_by;  // label names; one incident per distinct group
  std::vector<ActionStep> then;
};

// Every Deployment a recent_rollout condition names, in `when` and in `then[].if`: what the daemon
// must watch. Sorted, without duplicates.
std::vector<DeploymentRef> RolloutTargets(const std::vector<Rule>& rules);

}  // namespace runbookd::rules
