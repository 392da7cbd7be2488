#include "daemon/rules/rule_parser.hpp"

#include <algorithm>
#include <map>

#include "config/suggest.hpp"

namespace runbookd::rules {

namespace {

using config::Node;

// Deeper nesting is a generated or broken file, and recursion must stay bounded.
constexpr int kMaxConditionDepth = 32;
const std::vector<std::string> kConditionKinds = {"probe", "alert", "recent_rollout", "all", "any", "not"};

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string KindList() {
  std::string out;
  for (const auto& k : kConditionKinds) out += (out.empty() ? "" : ", ") + k;
  return out;
}

ProbeStatus StatusFromName(const std::string& name) {
  if (name == "healthy") return ProbeStatus::kHealthy;
  if (name == "unknown") return ProbeStatus::kUnknown;
  return ProbeStatus::kUnhealthy;
}

Severity SeverityFromName(const std::string& name) {
  const auto& names = SeverityNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Severity>(i);
  }
  return Severity::kWarning;
}

// A scalar or a list of scalars, each with its node (for error locations).
std::vector<std::pair<std::string, Node>> ReadNameList(const Node& node) {
  std::vector<std::pair<std::string, Node>> out;
  if (node.is_scalar()) {
    out.emplace_back(node.AsString(), node);
    return out;
  }
  for (const Node& item : node.Items()) out.emplace_back(item.AsString(), item);
  return out;
}

// Whether some probe or alert condition stands outside an odd number of `not`s: only those name
// groups (a `not` says what is absent, which has no labels to group by).
bool HasPositiveSignal(const Condition& condition, bool positive) {
  if (std::holds_alternative<ProbeCondition>(condition.kind) ||
      std::holds_alternative<AlertCondition>(condition.kind)) {
    return positive;
  }
  // A rollout carries no labels: it holds in every group and names none.
  if (std::holds_alternative<RecentRolloutCondition>(condition.kind)) return false;
  if (const auto* n = std::get_if<NotCondition>(&condition.kind)) {
    return n->condition && HasPositiveSignal(*n->condition, !positive);
  }
  const auto& children = std::holds_alternative<AllCondition>(condition.kind)
                             ? std::get<AllCondition>(condition.kind).conditions
                             : std::get<AnyCondition>(condition.kind).conditions;
  for (const auto& c : children) {
    if (HasPositiveSignal(c, positive)) return true;
  }
  return false;
}

}  // namespace

RuleParser::RuleParser(std::set<std::string> known_probes, std::optional<std::set<std::string>> kubernetes_connections)
    : known_probes_(std::move(known_probes)),
      probe_names_(known_probes_.begin(), known_probes_.end()),
      kubernetes_connections_(std::move(kubernetes_connections)) {}

void RuleParser::Read(const Node& rules) {
  for (const Node& item : rules.Items()) ReadRule(item);
}

void RuleParser::ReadRule(const Node& node) {
  ParsedRule parsed;
  Rule& rule = parsed.rule;
  parsed.name_node = node.Required("name");
  rule.name = parsed.name_node.AsString();
  if (parsed.name_node.defined() && rule.name.empty()) parsed.name_node.Error("rule name must not be empty");
  rule.severity = SeverityFromName(node.Required("severity").AsEnum(SeverityNames(), "warning"));

  for (const auto& [name, value] : node["labels"].Entries()) {
    if (!IsValidLabelName(name)) value.Error("invalid label name " + Quoted(name));
    rule.labels[name] = value.AsString();
  }

  const Node when = node.Required("when");
  if (when.defined()) rule.when = ReadCondition(when, 0);
  rule.for_duration = node["for"].AsDuration(std::chrono::milliseconds(0));
  rule.resolve_after = node["resolve_after"].AsDuration(kDefaultResolveAfter);

  parsed.depends_on = ReadNameList(node["depends_on"]);

  const Node group_by = node["group_by"];
  for (const auto& [name, item] : ReadNameList(group_by)) {
    if (!IsValidLabelName(name)) {
      item.Error("invalid label name " + Quoted(name));
    } else if (std::find(rule.group_by.begin(), rule.group_by.end(), name) != rule.group_by.end()) {
      item.Error("label " + Quoted(name) + " is listed twice");
    } else {
      rule.group_by.push_back(name);
    }
  }
  if (!rule.group_by.empty() && when.defined() && !HasPositiveSignal(rule.when, true)) {
    group_by.Error("group_by needs a probe or alert condition outside \"not\" to take group labels from");
  }

  for (const Node& step_node : node["then"].Items()) {
    ActionStep step;
    step.action = step_node.Required("action").AsString();
    const Node if_node = step_node["if"];
    if (if_node.defined()) step.condition = ReadCondition(if_node, 0);
    rule.then.push_back(std::move(step));
  }
  parsed_.push_back(std::move(parsed));
}

Condition RuleParser::ReadCondition(const Node& node, int depth) {
  if (depth > kMaxConditionDepth) {
    node.Error("conditions nest deeper than " + std::to_string(kMaxConditionDepth) + " levels");
    return {};
  }
  if (!node.is_map()) {
    node.Error("expected a condition: a mapping with one of " + KindList());
    return {};
  }
  std::vector<std::string> present;
  for (const auto& kind : kConditionKinds) {
    if (node.Has(kind)) present.push_back(kind);
  }
  if (present.empty()) {
    node.Error("a condition needs one of: " + KindList());
    return {};
  }
  if (present.size() > 1) {
    // Declared so that this one error is not followed by "unknown key status".
    if (node.Has("probe")) {
      (void)node["status"];
      (void)node["consecutive"];
    }
    node.Error("a condition has exactly one of " + KindList() + ", found " + present[0] + " and " + present[1] +
               " (combine them with all: or any:)");
    return {};
  }
  const std::string& kind = present.front();
  if (kind == "probe") return ReadProbeCondition(node);
  if (kind == "alert") return ReadAlertCondition(node);
  if (kind == "recent_rollout") return ReadRecentRolloutCondition(node);
  if (kind == "not") {
    return Condition{NotCondition{std::make_shared<const Condition>(ReadCondition(node["not"], depth + 1))}};
  }
  std::vector<Condition> children;
  const Node list = node[kind];
  for (const Node& item : list.Items()) children.push_back(ReadCondition(item, depth + 1));
  if (list.is_sequence() && children.empty()) list.Error(kind + " needs at least one condition");
  if (kind == "all") return Condition{AllCondition{std::move(children)}};
  return Condition{AnyCondition{std::move(children)}};
}

Condition RuleParser::ReadProbeCondition(const Node& node) {
  ProbeCondition c;
  const Node probe = node["probe"];
  c.probe = probe.AsString();
  if (probe.is_scalar() && !known_probes_.count(c.probe)) {
    probe.Error("unknown probe " + Quoted(c.probe) + config::DidYouMean(c.probe, probe_names_));
  }
  c.status = StatusFromName(node.Required("status").AsEnum({"unhealthy", "unknown", "healthy"}, "unhealthy"));
  const Node consecutive = node["consecutive"];
  if (consecutive.defined()) c.consecutive = static_cast<int>(consecutive.AsInt(1, 1, 1'000'000));
  return Condition{std::move(c)};
}

Condition RuleParser::ReadAlertCondition(const Node& node) {
  AlertCondition c;
  const Node matchers = node["alert"];
  const auto entries = matchers.Entries();
  for (const auto& [name, value] : entries) {
    if (!IsValidLabelName(name)) {
      value.Error("invalid label name " + Quoted(name));
      continue;
    }
    // Unquoted, `service: !=foo` is a YAML tag on an empty value, indistinguishable here from `""`; so
    // an empty value is refused and an absent label is matched with an explicit "=".
    const std::string text = value.defined() ? value.AsString() : std::string();
    if (text.empty()) {
      value.Error(
          "empty matcher: quote values that start with \"!\" (\"!=foo\"), and write \"=\" to match an "
          "absent label");
      continue;
    }
    ParsedMatcher parsed = ParseLabelMatcher(name, text);
    if (!parsed.ok()) {
      value.Error(parsed.error);
      continue;
    }
    c.matchers.push_back(std::move(parsed.matcher));
  }
  if (matchers.is_map() && entries.empty()) {
    matchers.Error("alert needs at least one label matcher, e.g. {alertname: APIEndpointDown}");
  }
  return Condition{std::move(c)};
}

Condition RuleParser::ReadRecentRolloutCondition(const Node& node) {
  RecentRolloutCondition c;
  const Node rollout = node["recent_rollout"];
  if (!rollout.is_map()) {
    rollout.Error("expected a mapping: {connection: C, namespace: N, deployment: D, within: 30m}");
    return Condition{std::move(c)};
  }
  // All four are required: a namespace taken from the connection's context would make the rule
  // mean something else on another machine.
  const Node connection = rollout.Required("connection");
  c.deployment.connection = connection.AsString();
  c.deployment.ns = rollout.Required("namespace").AsString();
  c.deployment.deployment = rollout.Required("deployment").AsString();
  for (const auto& [key, value] :
       {std::pair{"connection", c.deployment.connection}, std::pair{"namespace", c.deployment.ns},
        std::pair{"deployment", c.deployment.deployment}}) {
    const Node item = rollout[key];
    if (item.is_scalar() && value.empty()) item.Error(std::string(key) + " must not be empty");
  }
  if (connection.is_scalar() && !c.deployment.connection.empty() && kubernetes_connections_ &&
      !kubernetes_connections_->count(c.deployment.connection)) {
    std::string known;
    for (const auto& name : *kubernetes_connections_) known += (known.empty() ? "" : ", ") + name;
    connection.Error("unknown kubernetes connection " + Quoted(c.deployment.connection) +
                     " (known: " + (known.empty() ? "none" : known) + ")");
  }
  const Node within = rollout.Required("within");
  c.within = within.AsDuration(std::chrono::milliseconds(0));
  if (within.is_scalar() && config::ParseDuration(within.AsString()) && c.within <= std::chrono::milliseconds(0)) {
    within.Error("within must be greater than 0");
  }
  return Condition{std::move(c)};
}

void RuleParser::ResolveDependencies() {
  std::set<std::string> rule_names;
  for (const auto& p : parsed_) rule_names.insert(p.rule.name);
  std::vector<std::string> candidates(rule_names.begin(), rule_names.end());
  candidates.insert(candidates.end(), probe_names_.begin(), probe_names_.end());

  for (auto& p : parsed_) {
    for (const auto& [name, node] : p.depends_on) {
      const bool is_rule = rule_names.count(name) > 0;
      const bool is_probe = known_probes_.count(name) > 0;
      if (is_rule && is_probe) {
        node.Error(Quoted(name) + " names both a probe and a rule; rename one of them");
      } else if (!is_rule && !is_probe) {
        node.Error("unknown probe or rule " + Quoted(name) + config::DidYouMean(name, candidates));
      } else {
        p.rule.depends_on.push_back(Dependency{is_rule ? DependencyKind::kRule : DependencyKind::kProbe, name});
      }
    }
  }
}

void RuleParser::CheckCycles() const {
  // Rule-to-rule edges only: probes depend on nothing.
  std::map<std::string, const ParsedRule*> by_name;
  for (const auto& p : parsed_) by_name.emplace(p.rule.name, &p);

  enum class Mark { kNew, kOnPath, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;

  auto visit = [&](auto& self, const ParsedRule& p) -> void {
    marks[p.rule.name] = Mark::kOnPath;
    path.push_back(p.rule.name);
    for (const auto& [name, node] : p.depends_on) {
      auto target = by_name.find(name);
      if (target == by_name.end()) continue;
      const Mark mark = marks[name];
      if (mark == Mark::kOnPath) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), name); it != path.end(); ++it) cycle += *it + " -> ";
        node.Error("dependency cycle: " + cycle + name);
      } else if (mark == Mark::kNew) {
        self(self, *target->second);
      }
    }
    path.pop_back();
    marks[p.rule.name] = Mark::kDone;
  };
  for (const auto& p : parsed_) {
    if (by_name[p.rule.name] == &p && marks[p.rule.name] == Mark::kNew) visit(visit, p);
  }
}

std::vector<Rule> RuleParser::Finish() {
  std::map<std::string, const ParsedRule*> first;
  for (const auto& p : parsed_) {
    if (p.rule.name.empty()) continue;
    auto [it, inserted] = first.emplace(p.rule.name, &p);
    if (!inserted) {
      const auto where = it->second->name_node.location();
      p.name_node.Error("duplicate rule name " + Quoted(p.rule.name) + " (first defined at " + where.file + ":" +
                        std::to_string(where.line) + ":" + std::to_string(where.column) + ")");
    }
  }
  ResolveDependencies();
  CheckCycles();
  std::vector<Rule> out;
  out.reserve(parsed_.size());
  for (auto& p : parsed_) out.push_back(std::move(p.rule));
  parsed_.clear();
  return out;
}

std::vector<Rule> ParseRules(const Node& rules, std::set<std::string> known_probes,
                             std::optional<std::set<std::string>> kubernetes_connections) {
  RuleParser parser(std::move(known_probes), std::move(kubernetes_connections));
  parser.Read(rules);
  return parser.Finish();
}

}  // namespace runbookd::rules
