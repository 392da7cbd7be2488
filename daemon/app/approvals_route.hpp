#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/gates/approval_book.hpp"
#include "daemon/http/router.hpp"

namespace runbookd {

// One approval as the API shows it: {"id", "action", "target", "summary", "plan_hash", "plan",
// "incident_id", "intent_id", "requested_by", "requested_at", "expires_at", "quorum", "approvals"
// (approve votes so far), "state", "decided_at", "reason", "invalidated", "votes": [{"approver",
// "verdict", "comment", "at"}]}. runbookctl reads the same fields.
boost::json::object ApprovalJson(const store::ApprovalRecord& approval);

// The body of POST /api/v1/approvals/{id}/approve|deny: {"comment": "..."}, or empty. The comment,
// or nullopt with `error` naming the JSON path.
std::optional<std::string> ParseVoteBody(const std::string& body, std::string& error);

// The HTTP status of a refused vote: 404 not_found; 409 already_decided, expired, duplicate_voter,
// plan_changed; 503 store_unavailable.
unsigned StatusFor(gates::ApprovalError error);

// GET /api/v1/approvals (reader): {"approvals": [...]}, the pending ones, oldest first.
http::Handler MakeListApprovalsHandler(std::function<gates::ApprovalBook&()> book);
// POST /api/v1/approvals/{id}/approve and /deny (approver): the vote of the calling token's name;
// answers the approval as it stands after the vote.
http::Handler MakeVoteHandler(std::function<gates::ApprovalBook&()> book, const Clock& clock,
                              store::ApprovalVerdict verdict);

}  // namespace runbookd
