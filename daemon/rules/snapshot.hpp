#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"
#include "daemon/rules/labels.hpp"
#include "daemon/rules/rollout.hpp"

namespace runbookd::rules {

// What the rules see of one probe. The engine fills it from ProbeView (settled state after flap
// damping) and the probe's configured labels.
struct ProbeSignal {
  std::string type;
  ProbeStatus state = ProbeStatus::kUnknown;  // settled; before any result: unknown
  // The current run of identical raw results: `streak` of them, all `streak_status`.
  int streak = 0;
  ProbeStatus streak_status = ProbeStatus::kUnknown;
  std::optional<ProbeReason> last_reason;  // of the latest result, if any
  LabelSet labels;
};

enum class AlertStatus { kFiring, kResolved };

// One Alertmanager alert as last received.
struct AlertSignal {
  std::string fingerprint;
  WallTime starts_at{};
  LabelSet labels;
  LabelSet annotations;
  AlertStatus status = AlertStatus::kFiring;  // only firing alerts are signals
};

// Everything one evaluation looks at. A probe missing from `probes` counts as unknown: missing
// data is never healthy. A Deployment missing from `rollouts` is unknown too (not watched, not
// polled yet, or its facts went stale): no recent_rollout condition holds for it, so missing data
// never triggers an action.
struct Snapshot {
  std::map<std::string, ProbeSignal> probes;
  std::vector<AlertSignal> alerts;
  std::map<DeploymentRef, RolloutFacts> rollouts;
};

}  // namespace runbookd::rules
