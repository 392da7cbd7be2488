#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"
#include "daemon/store/error.hpp"
#include "daemon/store/records.hpp"

// How values are written into columns: times as unix milliseconds, label maps as JSON objects.
namespace runbookd::store::codec {

int64_t ToUnixMs(WallTime t);
WallTime FromUnixMs(int64_t ms);
std::optional<int64_t> ToUnixMs(const std::optional<WallTime>& t);
std::optional<WallTime> FromUnixMs(const std::optional<int64_t>& ms);

// {"k":"v",...} with keys in order, so that equal maps give equal text.
std::string EncodeLabels(const Labels& labels);
Result<Labels> DecodeLabels(std::string_view json);

}  // namespace runbookd::store::codec
