#include "daemon/notify/slack/slack_signature.hpp"

#include <charconv>
#include <cstdint>

#include "daemon/notify/hmac.hpp"

namespace runbookd::notify::slack {

namespace {

constexpr int64_t kMaxSkewSeconds = 5 * 60;
constexpr std::string_view kVersion = "v0";

}  // namespace

std::string_view ToString(SlackVerification verification) {
  switch (verification) {
    case SlackVerification::kOk:
      return "ok";
    case SlackVerification::kMissingHeaders:
      return "missing_headers";
    case SlackVerification::kStaleTimestamp:
      return "stale_timestamp";
    case SlackVerification::kBadSignature:
      return "bad_signature";
  }
  return "bad_signature";
}

std::string SlackSignature(const config::Secret& signing_secret, std::string_view timestamp,
                           std::string_view raw_body) {
  std::string base;
  base.reserve(kVersion.size() + timestamp.size() + raw_body.size() + 2);
  base.append(kVersion).append(":").append(timestamp).append(":").append(raw_body);
  return std::string(kVersion) + "=" + HmacSha256Hex(signing_secret.Reveal(), base);
}

SlackVerification VerifySlackRequest(const config::Secret& signing_secret, std::string_view x_slack_request_timestamp,
                                     std::string_view x_slack_signature, std::string_view raw_body, WallTime now) {
  if (x_slack_request_timestamp.empty() || x_slack_signature.empty()) return SlackVerification::kMissingHeaders;
  int64_t sent = 0;
  const char* end = x_slack_request_timestamp.data() + x_slack_request_timestamp.size();
  const auto [parsed_end, ec] = std::from_chars(x_slack_request_timestamp.data(), end, sent);
  if (ec != std::errc() || parsed_end != end) return SlackVerification::kStaleTimestamp;
  const int64_t now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // Compared as a difference of bounded values: a huge timestamp must not overflow into "fresh".
  if (sent < now_seconds - kMaxSkewSeconds || sent > now_seconds + kMaxSkewSeconds) {
    return SlackVerification::kStaleTimestamp;
  }
  const std::string expected = SlackSignature(signing_secret, x_slack_request_timestamp, raw_body);
  return ConstantTimeEquals(x_slack_signature, expected) ? SlackVerification::kOk : SlackVerification::kBadSignature;
}

}  // namespace runbookd::notify::slack
