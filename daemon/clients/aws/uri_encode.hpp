#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Percent-encoding as AWS expects it (botocore's `percent_encode`, SigV4's UriEncode).
namespace runbookd::aws {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Encodes every byte except the unreserved characters A-Z a-z 0-9 - _ . ~ (and '/' when
// `keep_slash`), with upper-case hex digits; a space becomes %20, never '+'.
std::string PercentEncode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes ('+' stays '+'); nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text);

// `name=value` pairs joined with '&', each side percent-encoded, in the given order: the body of a
// Query-protocol request and the query of a URL.
std::string FormEncode(const QueryParams& params);

// Splits `a=1&b=2` into decoded pairs ("a" alone is ("a", "")); nullopt for a malformed escape.
std::optional<QueryParams> ParseQuery(std::string_view query);

// Removes "." and ".." segments and empty segments (RFC 3986 §5.2.4 plus the collapsing of repeated
// slashes AWS expects), keeping a leading and a trailing slash; "/" for an empty path.
std::string NormalizePath(std::string_view path);

}  // namespace runbookd::aws
