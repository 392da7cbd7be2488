#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/records.hpp"

// Values of the approval and silence tables (the action pipeline's human gates).
namespace runbookd::store {

// ---- Approvals ----

using ApprovalId = int64_t;

// pending is the only state that changes; approved, denied and expired are final.
enum class ApprovalState { kPending, kApproved, kDenied, kExpired };
std::string_view ToString(ApprovalState state);
std::optional<ApprovalState> ParseApprovalState(std::string_view text);

enum class ApprovalVerdict { kApprove, kDeny };
std::string_view ToString(ApprovalVerdict verdict);  // "approve", "deny"
std::optional<ApprovalVerdict> ParseApprovalVerdict(std::string_view text);

// What the pipeline asks approvers to allow. It binds to plan_hash: a changed plan needs a new one.
struct NewApproval {
  std::optional<ActionIntentId> intent_id;  // usually none: the intent is written after approval
  std::optional<IncidentId> incident_id;
  std::string action;        // the configured action's name
  std::string target;        // ActionPlan::target
  std::string plan_hash;     // ActionPlan::Hash()
  std::string summary;       // ActionPlan::summary, what approvers read
  std::string plan_json;     // ActionPlan::ToJson(), or empty
  std::string requested_by;  // "rule:NAME", or the API token's name
  WallTime requested_at;
  WallTime expires_at;  // not decided by then: expired, which is a deny
  int quorum = 1;       // distinct approvers needed
};

struct ApprovalVote {
  std::string approver;  // the API token's name
  ApprovalVerdict verdict = ApprovalVerdict::kApprove;
  std::string comment;
  WallTime at;
};

struct ApprovalRecord {
  ApprovalId id = 0;
  std::optional<ActionIntentId> intent_id;
  std::optional<IncidentId> incident_id;
  std::string action;
  std::string target;
  std::string plan_hash;
  std::string summary;
  std::string plan_json;
  std::string requested_by;
  WallTime requested_at;
  WallTime expires_at;
  int quorum = 1;
  ApprovalState state = ApprovalState::kPending;
  std::optional<WallTime> decided_at;
  std::string reason;               // why it was decided: the deny comment, "expired", the invalidation
  bool invalidated = false;         // denied because the world changed after the plan (plan_changed)
  std::vector<ApprovalVote> votes;  // by time

  int approve_votes() const;
  bool has_voted(std::string_view approver) const;
};

// Why a vote or a decision was not applied (nothing was written, except that a vote arriving at or
// after expires_at expires the approval).
enum class ApprovalRefusal { kAlreadyDecided, kExpired, kDuplicateVoter };
std::string_view ToString(ApprovalRefusal refusal);

struct ApprovalChange {
  ApprovalRecord approval;  // as it stands after the call
  std::optional<ApprovalRefusal> refused;
  bool decided = false;  // this call moved it out of pending (each approval is decided exactly once)
};

// ---- Silences (maintenance windows) ----

using SilenceId = int64_t;

enum class SilenceMatchOp { kEqual, kNotEqual, kRegex, kNotRegex };
std::string_view ToString(SilenceMatchOp op);  // "=", "!=", "=~", "!~"
std::optional<SilenceMatchOp> ParseSilenceMatchOp(std::string_view text);

// An Alertmanager matcher: an absent label reads as "", regexes are anchored.
struct SilenceMatcher {
  std::string name;
  SilenceMatchOp op = SilenceMatchOp::kEqual;
  std::string value;
  bool operator==(const SilenceMatcher&) const = default;
};

struct NewSilence {
  std::vector<SilenceMatcher> matchers;  // all must match; never empty
  WallTime starts_at;
  WallTime ends_at;  // after starts_at
  std::string created_by;
  std::string comment;
  WallTime created_at;
};

struct SilenceRecord {
  SilenceId id = 0;
  std::vector<SilenceMatcher> matchers;
  WallTime starts_at;
  WallTime ends_at;  // moved to the expiry time (or just after starts_at) when expired early
  std::string created_by;
  std::string comment;
  WallTime created_at;
  std::optional<WallTime> expired_at;  // set when expired by hand

  bool ActiveAt(WallTime t) const { return !expired_at && starts_at <= t && t < ends_at; }
  bool EndedAt(WallTime t) const { return expired_at.has_value() || t >= ends_at; }
};

struct SilenceFilter {
  bool include_ended = false;  // false: only those not ended at `now` (active or scheduled)
  WallTime now;
  int limit = 1000;  // newest first when include_ended, else oldest first
};

}  // namespace runbookd::store
