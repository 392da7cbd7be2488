#pragma once

// What a rule test file says (docs/rule-tests.md), once read and checked.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/diagnostics.hpp"
#include "daemon/core/probe_result.hpp"
#include "daemon/rules/rule.hpp"
#include "daemon/rules/snapshot.hpp"

namespace runbookd::ctl {

// Time since the start of a test.
using TestTime = std::chrono::milliseconds;

// One raw probe result; flap damping turns it into a settled state as in the daemon.
struct ProbeInput {
  std::string probe;
  ProbeStatus status = ProbeStatus::kUnknown;
  ProbeReason reason = ProbeReason::kInternalError;
};

// A probe the rules may name, configured as in runbookd.yaml.
struct DeclaredProbe {
  rules::LabelSet labels;
  int fail_after = 1;
  int recover_after = 1;
  // As if the probe had returned this once before the test started; without it the probe has no
  // result until the timeline gives one, and is unknown (which is never healthy).
  std::optional<ProbeInput> initial;
};

// One alert as Alertmanager would deliver it.
struct AlertInput {
  std::string fingerprint;
  rules::LabelSet labels;
  rules::LabelSet annotations;
  rules::AlertStatus status = rules::AlertStatus::kFiring;
};

// What the daemon's rollout watcher would report for one Deployment from `at` on: its facts, or
// (`known` false) that they are unknown (the watcher lost track; no recent_rollout holds).
struct RolloutInput {
  rules::DeploymentRef deployment;
  bool known = true;
  int64_t revision = 0;
  TestTime began{0};  // a time of the test, at or before `at`
  std::optional<int64_t> previous_revision;
  bool in_progress = false;
};

struct TimedInput {
  TestTime at{0};
  std::variant<ProbeInput, AlertInput, RolloutInput> signal;
};

enum class IncidentState { kOpen, kResolved };

// An incident as a checkpoint sees it: what a test expects, and what the run produced.
struct IncidentView {
  std::string rule;
  rules::LabelSet group;
  IncidentState state = IncidentState::kOpen;
  std::optional<std::string> suppressed_by;
  std::vector<std::string> events;  // timeline event kinds ("opened", "suppressed", ...)
};

struct ExpectedIncident {
  IncidentView incident;
  bool check_events = false;  // only when the test lists `events`
};

// The incidents that must exist at `at`: all that opened so far, open or resolved, and no others.
struct Checkpoint {
  TestTime at{0};
  std::vector<ExpectedIncident> incidents;
};

struct RuleTestCase {
  std::string name;
  config::Location where;
  std::vector<TimedInput> inputs;       // in time order; equal times keep file order
  std::vector<Checkpoint> checkpoints;  // in time order
};

struct RuleTestFile {
  std::string file;
  std::vector<rules::Rule> rules;
  std::map<std::string, DeclaredProbe> probes;
  TestTime evaluation_interval = std::chrono::seconds(15);
  std::vector<RuleTestCase> tests;
};

}  // namespace runbookd::ctl
