#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "daemon/ctl/api_client.hpp"

namespace runbookd::ctl {

// An API error as one line on stderr, "runbookctl: HTTP 409 already_decided: approval 3 is already
// approved (...)" (or why runbookd could not be reached); returns 1. The approval and silence
// commands print their failures this way.
int ReportApiError(const ApiAnswer& answer);

// A field of an API answer as text for a table: strings as they are, other values as JSON, "-"
// when absent or null.
std::string Field(const boost::json::object& o, std::string_view key);

// Whether `id` is a positive integer; otherwise prints why and the caller exits 2 (usage).
bool CheckId(const std::string& what, const std::string& id);

// `runbookctl approvals`: pending approvals as a table (ID, ACTION, TARGET, PLAN, REQUESTED,
// EXPIRES, VOTES as approvals/quorum), or the API's JSON.
int ListApprovals(const ApiClient& api, bool as_json);

// `runbookctl approve ID [--comment TEXT]` and `deny ID [--comment TEXT]`: votes with the token's
// name and prints the approval's resulting state. Exit 0 when the vote was recorded, 1 when
// refused (decided, expired, duplicate voter, plan changed, unknown id), 2 for a malformed ID.
int VoteOnApproval(const ApiClient& api, const std::string& id, bool approve, const std::string& comment, bool as_json);

}  // namespace runbookd::ctl
