#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "daemon/rules/rule.hpp"

namespace runbookd::rules {

// Reads `rules:` lists into Rules. Every problem is recorded at its node in the config diagnostics
// (`FILE:LINE:COL: rules[0].when.any[1].probe: unknown probe "apii" (did you mean "api"?)`); the
// result is usable only when the diagnostics stayed empty. Knows probe names, never probe types.
//
// `kubernetes_connections` are the names of the configured connections of type kubernetes, which a
// recent_rollout condition must name; nullopt leaves them unchecked (offline tools that see rules
// without the daemon's connections).
class RuleParser {
 public:
  explicit RuleParser(std::set<std::string> known_probes,
                      std::optional<std::set<std::string>> kubernetes_connections = std::nullopt);

  // Reads the items of one `rules:` list. Call once per document (main file and each include).
  void Read(const config::Node& rules);
  // Checks what needs all rules at once: duplicate names, depends_on references, dependency cycles.
  std::vector<Rule> Finish();

 private:
  struct ParsedRule {
    Rule rule;
    config::Node name_node;
    std::vector<std::pair<std::string, config::Node>> depends_on;  // resolved in Finish
  };

  void ReadRule(const config::Node& node);
  Condition ReadCondition(const config::Node& node, int depth);
  Condition ReadProbeCondition(const config::Node& node);
  Condition ReadAlertCondition(const config::Node& node);
  Condition ReadRecentRolloutCondition(const config::Node& node);
  void ResolveDependencies();
  void CheckCycles() const;

  std::set<std::string> known_probes_;
  std::vector<std::string> probe_names_;  // the same, for "did you mean"
  std::optional<std::set<std::string>> kubernetes_connections_;
  std::vector<ParsedRule> parsed_;
};

// One `rules:` list, with every check.
std::vector<Rule> ParseRules(const config::Node& rules, std::set<std::string> known_probes,
                             std::optional<std::set<std::string>> kubernetes_connections = std::nullopt);

}  // namespace runbookd::rules
