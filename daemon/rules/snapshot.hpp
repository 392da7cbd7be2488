#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"
#include "daemon/rules/labels.hpp"

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
// data is never healthy.
struct Snapshot {
  std::map<std::string, ProbeSignal> probes;
  std::vector<AlertSignal> alerts;
};

}  // namespace runbookd::rules
