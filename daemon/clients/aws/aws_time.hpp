#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"

// The UTC time formats AWS uses.
namespace runbookd::aws {

// 20150830T123600Z (X-Amz-Date, ISO 8601 basic), truncated to the second.
std::string FormatAmzDate(WallTime time);
// 20150830: the date part of a credential scope.
std::string FormatScopeDate(WallTime time);
// 2015-08-30T12:36:00Z (ISO 8601 extended), truncated to the second.
std::string FormatIso8601(WallTime time);

// Parses FormatAmzDate's form.
std::optional<WallTime> ParseAmzDate(std::string_view text);
// Parses YYYY-MM-DDTHH:MM:SS with optional fractional seconds and a `Z` or `±HH:MM` offset, as STS,
// IMDS and container endpoints write expirations.
std::optional<WallTime> ParseIso8601(std::string_view text);

}  // namespace runbookd::aws
