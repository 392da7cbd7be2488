#pragma once

// Builders shared by the unit_rules tests: YAML in, rules out; snapshots by hand; a time line.

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/rules/evaluator.hpp"
#include "daemon/rules/rule_parser.hpp"
#include "tests/support/manual_clock.hpp"

namespace runbookd::rules::testing {

// Parses `yaml` (a document with a `rules:` list) as --check-config would, unknown keys included.
inline std::vector<Rule> ParseRulesYaml(const std::string& yaml, config::Diagnostics& diagnostics,
                                        std::set<std::string> known_probes = {"api", "postgres", "redis", "kafka"}) {
  auto doc = config::Document::Parse(yaml, "rules.yaml", diagnostics);
  std::vector<Rule> rules = ParseRules(doc.root()["rules"], std::move(known_probes));
  doc.CheckUnknownKeys();
  return rules;
}

// The rules of `yaml`, which must be valid (the test fails with the diagnostics otherwise).
inline std::vector<Rule> ValidRules(const std::string& yaml) {
  config::Diagnostics diagnostics;
  std::vector<Rule> rules = ParseRulesYaml(yaml, diagnostics);
  INFO(diagnostics.Format());
  REQUIRE(diagnostics.empty());
  return rules;
}

// Only the diagnostics of parsing `yaml`.
inline std::string ParseErrors(const std::string& yaml) {
  config::Diagnostics diagnostics;
  ParseRulesYaml(yaml, diagnostics);
  return diagnostics.Format();
}

// A probe whose settled state and raw streak agree, as after `streak` identical results.
inline ProbeSignal Probe(ProbeStatus state, ProbeReason reason = ProbeReason::kOk, LabelSet labels = {},
                         int streak = 1) {
  ProbeSignal p;
  p.type = "http";
  p.state = state;
  p.streak = streak;
  p.streak_status = state;
  p.last_reason = reason;
  p.labels = std::move(labels);
  return p;
}

inline AlertSignal Alert(std::string fingerprint, LabelSet labels, AlertStatus status = AlertStatus::kFiring) {
  AlertSignal a;
  a.fingerprint = std::move(fingerprint);
  a.labels = std::move(labels);
  a.status = status;
  return a;
}

inline const RuleState* Find(const std::vector<RuleState>& states, const std::string& rule,
                             const std::string& group_key = "") {
  for (const auto& s : states) {
    if (s.rule == rule && s.group_key == group_key) return &s;
  }
  return nullptr;
}

inline std::vector<std::string> EvidenceTexts(const RuleState& state) {
  std::vector<std::string> out;
  for (const auto& e : state.evidence) out.push_back(e.text);
  return out;
}

// An evaluator on a manual time line: every step advances the clock, then evaluates.
class Timeline {
 public:
  explicit Timeline(std::vector<Rule> rules) : evaluator_(std::move(rules)) {}

  std::vector<RuleState> Step(const Snapshot& snapshot, std::chrono::milliseconds advance = std::chrono::seconds(0)) {
    clock_.Advance(advance);
    return evaluator_.Evaluate(snapshot, clock_.WallNow());
  }
  WallTime now() const { return clock_.WallNow(); }
  RuleEvaluator& evaluator() { return evaluator_; }

 private:
  runbookd::testing::ManualClock clock_;
  RuleEvaluator evaluator_;
};

}  // namespace runbookd::rules::testing
