#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "daemon/core/notifier.hpp"
#include "daemon/notify/templates.hpp"

// The incoming-webhook message for a notification: Block Kit `blocks` plus a `text` fallback.
namespace runbookd::notify::slack {

inline constexpr std::string_view kApproveActionId = "runbookd_approve";
inline constexpr std::string_view kDenyActionId = "runbookd_deny";

struct MessageOptions {
  std::string channel;            // sent as `channel` when set
  bool approval_buttons = false;  // a Slack app receives clicks (`app:` configured)
};

// Slack mrkdwn treats &, < and > as control characters; values are escaped so that a summary with
// "<" cannot turn into a link or a mention.
std::string EscapeMrkdwn(std::string_view text);

// A header block (the title), a section (the text) and, for an approval request when the app is
// configured, an `actions` block with Approve / Deny buttons whose value is the approval id.
boost::json::object SlackMessage(const Notification& n, const Templates& templates, const MessageOptions& options);

}  // namespace runbookd::notify::slack
