#include "config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace runbookd::config {

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text == "0") return Duration::zero();
  if (text.empty()) return std::nullopt;
  // Units must come in decreasing order and at most once each, as in Prometheus.
  static constexpr struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  int64_t total = 0;
  size_t next_unit = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int64_t value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view unit = text.substr(i, j - i);
    i = j;
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].unit != unit) ++u;
    if (u == std::size(kUnits)) return std::nullopt;
    if (value > std::numeric_limits<int64_t>::max() / kUnits[u].ms) return std::nullopt;
    total += value * kUnits[u].ms;
    next_unit = u + 1;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  static constexpr struct {
    const char* unit;
    int64_t ms;
  } kUnits[] = {{"h", 3600LL * 1000}, {"m", 60LL * 1000}, {"s", 1000}, {"ms", 1}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.unit;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace runbookd::config
