#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/notify/templates.hpp"

// The generic webhook's body and signature. The JSON shape is documented, with an example, in
// daemon/notify/webhook/README.md; `version` changes only when a field changes meaning or goes
// away (new fields may be added within a version).
namespace runbookd::notify::webhook {

inline constexpr std::string_view kPayloadVersion = "1";
inline constexpr std::string_view kSignatureHeader = "X-Runbookd-Signature";

// Every key is always present; facts the notification does not have are null.
boost::json::object WebhookPayload(const Notification& n, const Templates& templates);

// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<raw body>">". The timestamp is
// signed with the body, so a receiver can reject old deliveries and replays.
std::string WebhookSignature(const config::Secret& secret, int64_t unix_seconds, std::string_view raw_body);

}  // namespace runbookd::notify::webhook
