#pragma once

#include <string>
#include <string_view>

// The digests SigV4 needs, on OpenSSL.
namespace runbookd::aws {

// SHA-256 of `data`, as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`: the 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of raw bytes.
std::string HexEncode(std::string_view bytes);

// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5), as the EKS token uses it.
std::string Base64UrlNoPad(std::string_view bytes);
// Decodes base64url with or without padding; false for any character outside the alphabet.
bool DecodeBase64Url(std::string_view text, std::string& out);

// Overwrites a buffer that held key material before it is freed.
void Cleanse(std::string& buffer);

}  // namespace runbookd::aws
