#include "daemon/store/records.hpp"

#include <array>

namespace runbookd::store {
namespace {

// Text forms as stored in the database and shown by the API; the order follows the enums.
constexpr std::array<std::string_view, 2> kAlertStatusNames = {"firing", "resolved"};
constexpr std::array<std::string_view, 4> kAlertUpsertNames = {"inserted", "updated_last_seen", "resolved",
                                                               "unchanged"};
constexpr std::array<std::string_view, 4> kIncidentStateNames = {"open", "mitigating", "resolved", "escalated"};
constexpr std::array<std::string_view, 6> kTimelineKindNames = {"signal",     "match", "state",
                                                                "suppressed", "note",  "action"};

template <typename Enum, size_t N>
std::optional<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(AlertStatus status) { return kAlertStatusNames.at(static_cast<size_t>(status)); }
std::optional<AlertStatus> ParseAlertStatus(std::string_view text) {
  return ParseName<AlertStatus>(kAlertStatusNames, text);
}

std::string_view ToString(AlertUpsert upsert) { return kAlertUpsertNames.at(static_cast<size_t>(upsert)); }

std::string_view ToString(IncidentState state) { return kIncidentStateNames.at(static_cast<size_t>(state)); }
std::optional<IncidentState> ParseIncidentState(std::string_view text) {
  return ParseName<IncidentState>(kIncidentStateNames, text);
}

std::string_view ToString(TimelineKind kind) { return kTimelineKindNames.at(static_cast<size_t>(kind)); }
std::optional<TimelineKind> ParseTimelineKind(std::string_view text) {
  return ParseName<TimelineKind>(kTimelineKindNames, text);
}

namespace {
constexpr std::pair<ActionIntentState, std::string_view> kIntentStates[] = {
    {ActionIntentState::kDryRun, "dry_run"},
    {ActionIntentState::kRunning, "running"},
    {ActionIntentState::kSucceeded, "succeeded"},
    {ActionIntentState::kFailed, "failed"},
    {ActionIntentState::kNoop, "noop"},
    {ActionIntentState::kRefused, "refused"},
    {ActionIntentState::kInterrupted, "interrupted"},
};
}  // namespace

std::string_view ToString(ActionIntentState state) {
  for (const auto& [s, name] : kIntentStates) {
    if (s == state) return name;
  }
  return "failed";
}

std::optional<ActionIntentState> ParseActionIntentState(std::string_view text) {
  for (const auto& [s, name] : kIntentStates) {
    if (name == text) return s;
  }
  return std::nullopt;
}

}  // namespace runbookd::store
