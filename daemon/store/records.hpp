#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"

// Plain values that go into and come out of the Store. Times are WallTime here; the store keeps
// them as unix milliseconds (INTEGER), so they come back truncated to the millisecond.
namespace runbookd::store {

using Labels = std::map<std::string, std::string>;
using IncidentId = int64_t;

// ---- Alerts (Alertmanager webhook v4) ----

enum class AlertStatus { kFiring, kResolved };
std::string_view ToString(AlertStatus status);
std::optional<AlertStatus> ParseAlertStatus(std::string_view text);

// One alert of one delivery. Identity: fingerprint + starts_at.
struct AlertRecord {
  std::string fingerprint;
  WallTime starts_at;
  AlertStatus status = AlertStatus::kFiring;
  Labels labels;
  Labels annotations;
  std::optional<WallTime> ends_at;  // nullopt while firing (Alertmanager sends 0001-01-01)
  std::string generator_url;
  std::string receiver;
  std::string group_key;
  WallTime seen_at;  // when this delivery arrived
};

// What UpsertAlert did with a delivery.
enum class AlertUpsert {
  kInserted,         // first delivery of this instance (stored with the delivery's status)
  kUpdatedLastSeen,  // a repeat: only last_seen moved
  kResolved,         // a resolved delivery closed a firing instance
  kUnchanged,        // a repeat that is not newer, or a firing delivery for a resolved instance
};
std::string_view ToString(AlertUpsert upsert);

// An alert instance as stored. record.seen_at is the last time it was seen.
struct StoredAlert {
  AlertRecord record;
  WallTime first_seen;
  std::optional<IncidentId> incident_id;
};

// ---- Incidents ----

enum class IncidentState { kOpen, kMitigating, kResolved, kEscalated };
std::string_view ToString(IncidentState state);
std::optional<IncidentState> ParseIncidentState(std::string_view text);

struct NewIncident {
  std::string rule;
  std::string group_key;  // "" when the rule does not group
  Labels group_labels;
  std::string severity;
  WallTime opened_at;
};

struct OpenedIncident {
  IncidentId id = 0;
  bool created = false;  // false: an unresolved incident for rule + group_key already existed
};

struct IncidentRecord {
  IncidentId id = 0;
  std::string rule;
  std::string group_key;
  Labels group_labels;
  std::string severity;
  IncidentState state = IncidentState::kOpen;
  std::optional<std::string> suppressed_by;  // the dependency (probe or rule) suppressing it
  WallTime opened_at;
  WallTime updated_at;
  std::optional<WallTime> resolved_at;
};

enum class TimelineKind { kSignal, kMatch, kState, kSuppressed, kNote, kAction };
std::string_view ToString(TimelineKind kind);
std::optional<TimelineKind> ParseTimelineKind(std::string_view text);

struct TimelineEntry {
  int64_t id = 0;  // assigned by the store; ignored by AppendTimeline
  IncidentId incident_id = 0;
  WallTime at;
  std::string source;  // "probe:NAME", "alert:FINGERPRINT", "rule", "engine", "operator"
  TimelineKind kind = TimelineKind::kNote;
  std::string message;
  std::string data_json;  // a JSON document, or empty for none
};

struct IncidentDetail {
  IncidentRecord incident;
  std::vector<TimelineEntry> timeline;  // by time, then by insertion
};

struct IncidentFilter {
  std::vector<IncidentState> states;  // empty: every state
  int limit = 100;                    // newest first
};

// ---- Actions ----

using ActionIntentId = int64_t;

// The life of one action run. An intent is committed before the action touches anything; a
// `running` intent found at start-up was interrupted by a crash and is never re-run blindly.
enum class ActionIntentState { kDryRun, kRunning, kSucceeded, kFailed, kNoop, kRefused, kInterrupted };
std::string_view ToString(ActionIntentState state);
std::optional<ActionIntentState> ParseActionIntentState(std::string_view text);

struct NewActionIntent {
  std::optional<IncidentId> incident_id;
  std::string action;     // the configured action's name
  std::string target;     // e.g. production/deployment/ecommerce-backend
  std::string plan_hash;  // ActionPlan::Hash()
  std::string plan_json;  // ActionPlan::ToJson()
  bool dry_run = false;
  ActionIntentState state = ActionIntentState::kRunning;
  WallTime at;
};

struct ActionOutcomeRecord {
  ActionIntentId intent_id = 0;
  int attempt = 1;
  std::string outcome;  // "ok" | "failed"
  bool retryable = false;
  std::string reason;  // OutcomeReason as text
  std::string detail;
  WallTime started_at;
  WallTime finished_at;
};

struct ActionIntentRecord {
  ActionIntentId id = 0;
  std::optional<IncidentId> incident_id;
  std::string action;
  std::string target;
  std::string plan_hash;
  std::string plan_json;
  bool dry_run = false;
  ActionIntentState state = ActionIntentState::kRunning;
  WallTime created_at;
  WallTime updated_at;
  std::vector<ActionOutcomeRecord> outcomes;  // by attempt
};

}  // namespace runbookd::store
