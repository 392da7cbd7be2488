#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// A click on an Approve / Deny button, as Slack POSTs it to the app's Request URL:
// application/x-www-form-urlencoded with one field, `payload`, holding the interaction as JSON
// (`type: "block_actions"`, `user`, `actions[{action_id, value}]`, `response_url`). Verify the
// request's signature (slack_signature.hpp) over the raw body before parsing it.
namespace runbookd::notify::slack {

enum class ApprovalVerdict { kApprove, kDeny };

struct ApprovalClick {
  int64_t approval_id = 0;
  ApprovalVerdict verdict = ApprovalVerdict::kDeny;
  std::string user_id;    // Slack's user id ("U024BE7LH"), for the audit trail
  std::string user_name;  // `username`, else `name`
  // Where to post the follow-up; it grants posting to the channel for a while, so it is not logged.
  std::string response_url;
};

enum class InteractionError {
  kNone,
  kNoPayload,          // the form has no `payload` field
  kInvalidJson,        // `payload` is not a JSON object
  kUnsupportedType,    // not a block_actions interaction (a shortcut, a modal submission, ...)
  kNoAction,           // `actions` is missing, empty, or holds more than one action
  kUnknownAction,      // an action_id other than runbookd_approve / runbookd_deny
  kInvalidApprovalId,  // the button's value is not a positive integer
  kNoUser,             // `user.id` is missing
};
std::string_view ToString(InteractionError error);

struct InteractionOrError {
  std::optional<ApprovalClick> click;
  InteractionError error = InteractionError::kNone;
  std::string message;  // human text for the 400 answer; quotes no payload values but action ids
  bool ok() const { return click.has_value(); }
};

InteractionOrError ParseSlackInteraction(std::string_view form_body);

}  // namespace runbookd::notify::slack
