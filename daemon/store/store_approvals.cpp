// Approvals and their votes. Every change re-reads the approval first, so that a vote racing a
// decision is refused by the store, which the writer thread runs one job at a time.
#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::ToUnixMs;

constexpr const char* kInsert =
    "INSERT INTO approvals (intent_id, incident_id, action, target, plan_hash, summary, plan, requested_by,"
    " requested_at, expires_at, quorum, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending')"
    " RETURNING id";
constexpr const char* kSelect =
    "SELECT id, intent_id, incident_id, action, target, plan_hash, summary, plan, requested_by, requested_at,"
    " expires_at, quorum, state, decided_at, reason, invalidated FROM approvals";
constexpr const char* kSelectVotes =
    "SELECT approver, verdict, comment, at FROM approval_votes WHERE approval_id = ?1 ORDER BY at, rowid";
constexpr const char* kInsertVote =
    "INSERT INTO approval_votes (approval_id, approver, verdict, comment, at) VALUES (?1, ?2, ?3, ?4, ?5)";
// ?6: the state the change was decided from, so that a change never lands on a state it did not see.
constexpr const char* kDecide =
    "UPDATE approvals SET state = ?2, decided_at = ?3, reason = ?4, invalidated = ?5 WHERE id = ?1 AND state = ?6";

Result<ApprovalRecord> ReadApproval(const sqlite::Statement& row) {
  ApprovalRecord r;
  r.id = row.Int64(0);
  r.intent_id = row.OptionalInt64(1);
  r.incident_id = row.OptionalInt64(2);
  r.action = row.Text(3);
  r.target = row.Text(4);
  r.plan_hash = row.Text(5);
  r.summary = row.Text(6);
  r.plan_json = row.OptionalText(7).value_or("");
  r.requested_by = row.Text(8);
  r.requested_at = codec::FromUnixMs(row.Int64(9));
  r.expires_at = codec::FromUnixMs(row.Int64(10));
  r.quorum = static_cast<int>(row.Int64(11));
  const auto state = ParseApprovalState(row.Text(12));
  if (!state) return Error{ErrorCode::kIo, "approval " + std::to_string(r.id) + " has an unknown state"};
  r.state = *state;
  r.decided_at = codec::FromUnixMs(row.OptionalInt64(13));
  r.reason = row.Text(14);
  r.invalidated = row.Int64(15) != 0;
  return r;
}

ApprovalChange Refused(ApprovalRecord approval, ApprovalRefusal refusal) {
  return ApprovalChange{std::move(approval), refusal, false};
}

// A decided approval refuses everything; an expired one says so, since "expired" is what a late
// approver needs to hear.
ApprovalChange RefusedAsDecided(ApprovalRecord approval) {
  const auto refusal =
      approval.state == ApprovalState::kExpired ? ApprovalRefusal::kExpired : ApprovalRefusal::kAlreadyDecided;
  return Refused(std::move(approval), refusal);
}

// "alice (\"pods stuck since 03:10\"), bob": the timeline shows who approved and why.
std::string ApproversOf(const ApprovalRecord& approval) {
  std::string names;
  for (const auto& v : approval.votes) {
    if (v.verdict != ApprovalVerdict::kApprove) continue;
    names += (names.empty() ? "" : ", ") + v.approver;
    if (!v.comment.empty()) names += " (\"" + v.comment + "\")";
  }
  return names;
}

std::string ExpiryReason(const ApprovalRecord& approval) {
  return "expired with " + std::to_string(approval.approve_votes()) + " of " + std::to_string(approval.quorum) +
         " approvals";
}

}  // namespace

Result<ApprovalId> Store::InsertApproval(const NewApproval& a) {
  if (a.quorum < 1) return Error{ErrorCode::kInvalidArgument, "an approval needs a quorum of at least 1"};
  if (a.expires_at <= a.requested_at) {
    return Error{ErrorCode::kInvalidArgument, "an approval must expire after it is requested"};
  }
  if (a.plan_hash.empty()) return Error{ErrorCode::kInvalidArgument, "an approval binds to a plan hash"};
  auto insert = Prepared(kInsert);
  if (!insert) return insert.error();
  const std::optional<std::string> plan = a.plan_json.empty() ? std::nullopt : std::optional(a.plan_json);
  (*insert)->BindAll(a.intent_id, a.incident_id, a.action, a.target, a.plan_hash, a.summary, plan, a.requested_by,
                     ToUnixMs(a.requested_at), ToUnixMs(a.expires_at), int64_t{a.quorum});
  auto inserted = (*insert)->Step();
  if (!inserted) return inserted.error();
  return (*insert)->Int64(0);
}

Result<std::vector<ApprovalRecord>> Store::QueryApprovals(const std::string& where, int64_t param) {
  auto select = Prepared(std::string(kSelect) + where);
  if (!select) return select.error();
  (*select)->BindAll(param);
  std::vector<ApprovalRecord> approvals;
  while (true) {
    auto row = (*select)->Step();
    if (!row) return row.error();
    if (!row.value()) break;
    auto approval = ReadApproval(**select);
    if (!approval) return approval.error();
    approvals.push_back(std::move(approval).value());
  }
  for (auto& approval : approvals) {
    auto votes = Prepared(kSelectVotes);
    if (!votes) return votes.error();
    (*votes)->BindAll(approval.id);
    while (true) {
      auto row = (*votes)->Step();
      if (!row) return row.error();
      if (!row.value()) break;
      const auto verdict = ParseApprovalVerdict((*votes)->Text(1));
      if (!verdict) return Error{ErrorCode::kIo, "a vote on approval " + std::to_string(approval.id) + " is unknown"};
      approval.votes.push_back(
          ApprovalVote{(*votes)->Text(0), *verdict, (*votes)->Text(2), codec::FromUnixMs((*votes)->Int64(3))});
    }
  }
  return approvals;
}

Result<std::optional<ApprovalRecord>> Store::GetApproval(ApprovalId id) {
  auto found = QueryApprovals(" WHERE id = ?1", id);
  if (!found) return found.error();
  if (found->empty()) return std::optional<ApprovalRecord>();
  return std::optional<ApprovalRecord>(std::move(found->front()));
}

Result<std::vector<ApprovalRecord>> Store::ListPendingApprovals() {
  return QueryApprovals(" WHERE state = 'pending' AND ?1 = ?1 ORDER BY id", 0);
}

Result<ApprovalChange> Store::SetApprovalDecision(ApprovalRecord approval, ApprovalState state, WallTime at,
                                                  const std::string& reason, bool invalidated) {
  auto update = Prepared(kDecide);
  if (!update) return update.error();
  (*update)->BindAll(approval.id, ToString(state), ToUnixMs(at), reason, int64_t{invalidated ? 1 : 0},
                     ToString(approval.state));
  if (auto s = (*update)->Run(); !s) return s.error();
  if (db_.Changes() == 0) return Error{ErrorCode::kIo, "approval " + std::to_string(approval.id) + " changed under us"};
  const bool decided = approval.state == ApprovalState::kPending;
  approval.state = state;
  approval.decided_at = codec::FromUnixMs(ToUnixMs(at));
  approval.reason = reason;
  approval.invalidated = invalidated;
  return ApprovalChange{std::move(approval), std::nullopt, decided};
}

Result<ApprovalChange> Store::AddApprovalVote(ApprovalId id, const ApprovalVote& vote) {
  if (vote.approver.empty()) return Error{ErrorCode::kInvalidArgument, "a vote needs an approver"};
  auto found = GetApproval(id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kNotFound, "no approval " + std::to_string(id)};
  ApprovalRecord approval = std::move(**found);
  if (approval.state != ApprovalState::kPending) return RefusedAsDecided(std::move(approval));
  if (vote.at >= approval.expires_at) {
    // Timeout is deny: a late vote cannot revive it, and the expiry is recorded now.
    const WallTime expired_at = approval.expires_at;
    const std::string reason = ExpiryReason(approval);
    auto expired = SetApprovalDecision(std::move(approval), ApprovalState::kExpired, expired_at, reason, false);
    if (!expired) return expired.error();
    expired->refused = ApprovalRefusal::kExpired;
    return expired;
  }
  if (approval.has_voted(vote.approver)) return Refused(std::move(approval), ApprovalRefusal::kDuplicateVoter);

  auto insert = Prepared(kInsertVote);
  if (!insert) return insert.error();
  (*insert)->BindAll(id, vote.approver, ToString(vote.verdict), vote.comment, ToUnixMs(vote.at));
  if (auto s = (*insert)->Run(); !s) return s.error();
  approval.votes.push_back(vote);
  approval.votes.back().at = codec::FromUnixMs(ToUnixMs(vote.at));

  if (vote.verdict == ApprovalVerdict::kDeny) {
    const std::string reason = "denied by " + vote.approver + (vote.comment.empty() ? "" : ": " + vote.comment);
    return SetApprovalDecision(std::move(approval), ApprovalState::kDenied, vote.at, reason, false);
  }
  if (approval.approve_votes() >= approval.quorum) {
    const std::string reason = "approved by " + ApproversOf(approval);
    return SetApprovalDecision(std::move(approval), ApprovalState::kApproved, vote.at, reason, false);
  }
  return ApprovalChange{std::move(approval), std::nullopt, false};
}

Result<ApprovalChange> Store::DecideApproval(ApprovalId id, ApprovalState state, WallTime at, const std::string& reason,
                                             bool invalidated) {
  if (state != ApprovalState::kDenied && state != ApprovalState::kExpired) {
    return Error{ErrorCode::kInvalidArgument, "only votes approve; an approval can be ended as denied or expired"};
  }
  auto found = GetApproval(id);
  if (!found) return found.error();
  if (!*found) return Error{ErrorCode::kNotFound, "no approval " + std::to_string(id)};
  ApprovalRecord approval = std::move(**found);
  if (approval.state == ApprovalState::kApproved && state == ApprovalState::kDenied && invalidated) {
    // Approved but not yet run when the plan stopped holding: it must not be used, and the audit
    // keeps who had approved it. Decided once already, so `decided` stays false.
    const std::string both = approval.reason + "; then invalidated: " + reason;
    return SetApprovalDecision(std::move(approval), state, at, both, true);
  }
  if (approval.state != ApprovalState::kPending) return RefusedAsDecided(std::move(approval));
  return SetApprovalDecision(std::move(approval), state, at, reason, invalidated);
}

Result<std::vector<ApprovalRecord>> Store::ExpireApprovals(WallTime now) {
  auto due = QueryApprovals(" WHERE state = 'pending' AND expires_at <= ?1 ORDER BY id", ToUnixMs(now));
  if (!due) return due.error();
  std::vector<ApprovalRecord> expired;
  for (auto& approval : *due) {
    const WallTime at = approval.expires_at;
    const std::string reason = ExpiryReason(approval);
    auto change = SetApprovalDecision(std::move(approval), ApprovalState::kExpired, at, reason, false);
    if (!change) return change.error();
    expired.push_back(std::move(change->approval));
  }
  return expired;
}

}  // namespace runbookd::store
