#pragma once

#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/core/clock.hpp"

// Verifying that a request came from Slack (api.slack.com, "Verifying requests from Slack";
// reference/protocol-facts.md §9): X-Slack-Signature is "v0=" + hex HMAC-SHA256 under the app's
// signing secret of "v0:" + X-Slack-Request-Timestamp + ":" + the raw body.
namespace runbookd::notify::slack {

enum class SlackVerification {
  kOk,
  kMissingHeaders,  // a header is absent or empty
  kStaleTimestamp,  // more than 5 minutes from now, either way, or not a number: a replay
  kBadSignature,    // not "v0=<64 hex digits>", or not the expected one
};
std::string_view ToString(SlackVerification verification);

// Checks one request. `raw_body` must be the bytes as received, before any form decoding; the
// comparison takes the same time wherever the signatures differ.
SlackVerification VerifySlackRequest(const config::Secret& signing_secret, std::string_view x_slack_request_timestamp,
                                     std::string_view x_slack_signature, std::string_view raw_body, WallTime now);

// "v0=<hex>" for a timestamp and body: what Slack sends (for tests and fakes).
std::string SlackSignature(const config::Secret& signing_secret, std::string_view timestamp, std::string_view raw_body);

}  // namespace runbookd::notify::slack
