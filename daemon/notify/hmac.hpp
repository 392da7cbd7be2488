#pragma once

#include <string>
#include <string_view>

namespace runbookd::notify {

// HMAC-SHA256 of `data` under `key`, as 64 lower-case hex digits (Slack's and runbookd's webhook
// signatures both use this form).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Equality whose time does not depend on where the strings differ (CRYPTO_memcmp), for comparing
// a presented signature with the expected one. Lengths are compared first: they are not secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace runbookd::notify
