#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"

// Who hears about an incident, and when: a ladder of steps per severity (page the on-call at
// once, the lead after 5 minutes, managers after 15) that stops once a human acknowledges or the
// incident resolves, plus progress updates at a fixed cadence. Pure: no clock, no I/O.
namespace runbookd::gates {

struct EscalationStep {
  std::chrono::milliseconds after{0};  // since the incident opened
  std::vector<std::string> notify;     // notifier names
};

struct EscalationLadder {
  std::vector<EscalationStep> steps;                      // in order of `after`
  std::optional<std::chrono::milliseconds> update_every;  // overrides the global cadence
};

struct EscalationSettings {
  std::optional<std::chrono::milliseconds> update_every;  // every severity without its own
  std::map<std::string, EscalationLadder> ladders;        // by severity name

  const EscalationLadder* LadderFor(std::string_view severity) const;
  std::optional<std::chrono::milliseconds> UpdateEvery(std::string_view severity) const;
};

// Where one incident stands. The caller persists `steps_sent` (steps go out in order, so a count
// says which) and `last_update_at`.
struct EscalationProgress {
  std::string severity;
  WallTime opened_at;
  std::optional<WallTime> acked_at;  // a human acknowledged: the ladder stops
  bool resolved = false;             // the ladder and the updates stop
  size_t steps_sent = 0;
  std::optional<WallTime> last_update_at;
};

struct DueStep {
  size_t index = 0;  // the caller sets steps_sent = index + 1 once sent
  EscalationStep step;
};

// The steps to send now, oldest first: every unsent step whose time has come. After a daemon
// restart that can be several at once; each is still sent exactly once.
std::vector<DueStep> DueSteps(const EscalationSettings& settings, const EscalationProgress& progress, WallTime now);
// When the next step falls due (possibly already past); nullopt when the ladder is done or stopped.
std::optional<WallTime> NextDue(const EscalationSettings& settings, const EscalationProgress& progress);

// A progress update is due `update_every` after the last one (or after opening); a daemon that
// was down for several periods sends one, not a burst. Acknowledgement does not stop updates
// (they are for everyone watching), resolution does.
bool UpdateDue(const EscalationSettings& settings, const EscalationProgress& progress, WallTime now);
std::optional<WallTime> NextUpdate(const EscalationSettings& settings, const EscalationProgress& progress);
// Who gets progress updates: everyone the ladder has notified so far, each once, in ladder order.
std::vector<std::string> UpdateRecipients(const EscalationSettings& settings, const EscalationProgress& progress);

// The earlier of NextDue and NextUpdate: when the caller's timer should wake it for this incident.
std::optional<WallTime> NextWakeUp(const EscalationSettings& settings, const EscalationProgress& progress);

}  // namespace runbookd::gates
