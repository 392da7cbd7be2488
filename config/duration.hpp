#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace runbookd::config {

using Duration = std::chrono::milliseconds;

// Prometheus-style durations: "500ms", "15s", "5m", "1h30m", "1d", "1w", or "0".
std::optional<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration d);

}  // namespace runbookd::config
