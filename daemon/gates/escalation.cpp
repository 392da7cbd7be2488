#include "daemon/gates/escalation.hpp"

#include <algorithm>
#include <set>

namespace runbookd::gates {

const EscalationLadder* EscalationSettings::LadderFor(std::string_view severity) const {
  const auto it = ladders.find(std::string(severity));
  return it == ladders.end() ? nullptr : &it->second;
}

std::optional<std::chrono::milliseconds> EscalationSettings::UpdateEvery(std::string_view severity) const {
  const EscalationLadder* ladder = LadderFor(severity);
  if (ladder != nullptr && ladder->update_every) return ladder->update_every;
  return update_every;
}

namespace {

// The ladder still running for this incident, or nullptr when it has stopped.
const EscalationLadder* RunningLadder(const EscalationSettings& settings, const EscalationProgress& progress) {
  if (progress.resolved || progress.acked_at) return nullptr;
  return settings.LadderFor(progress.severity);
}

}  // namespace

std::vector<DueStep> DueSteps(const EscalationSettings& settings, const EscalationProgress& progress, WallTime now) {
  std::vector<DueStep> due;
  const EscalationLadder* ladder = RunningLadder(settings, progress);
  if (ladder == nullptr) return due;
  for (size_t i = progress.steps_sent; i < ladder->steps.size(); ++i) {
    const EscalationStep& step = ladder->steps[i];
    if (progress.opened_at + step.after > now) break;  // steps are in order of `after`
    due.push_back(DueStep{i, step});
  }
  return due;
}

std::optional<WallTime> NextDue(const EscalationSettings& settings, const EscalationProgress& progress) {
  const EscalationLadder* ladder = RunningLadder(settings, progress);
  if (ladder == nullptr || progress.steps_sent >= ladder->steps.size()) return std::nullopt;
  return progress.opened_at + ladder->steps[progress.steps_sent].after;
}

std::optional<WallTime> NextUpdate(const EscalationSettings& settings, const EscalationProgress& progress) {
  if (progress.resolved) return std::nullopt;
  const auto every = settings.UpdateEvery(progress.severity);
  if (!every || *every <= std::chrono::milliseconds::zero()) return std::nullopt;
  return progress.last_update_at.value_or(progress.opened_at) + *every;
}

bool UpdateDue(const EscalationSettings& settings, const EscalationProgress& progress, WallTime now) {
  const auto next = NextUpdate(settings, progress);
  return next && *next <= now;
}

std::vector<std::string> UpdateRecipients(const EscalationSettings& settings, const EscalationProgress& progress) {
  std::vector<std::string> recipients;
  const EscalationLadder* ladder = settings.LadderFor(progress.severity);
  if (ladder == nullptr) return recipients;
  std::set<std::string> seen;
  const size_t sent = std::min(progress.steps_sent, ladder->steps.size());
  for (size_t i = 0; i < sent; ++i) {
    for (const std::string& name : ladder->steps[i].notify) {
      if (seen.insert(name).second) recipients.push_back(name);
    }
  }
  return recipients;
}

std::optional<WallTime> NextWakeUp(const EscalationSettings& settings, const EscalationProgress& progress) {
  const auto step = NextDue(settings, progress);
  const auto update = NextUpdate(settings, progress);
  if (step && update) return std::min(*step, *update);
  return step ? step : update;
}

}  // namespace runbookd::gates
