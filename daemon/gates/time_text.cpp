#include "daemon/gates/time_text.hpp"

#include <cstdio>
#include <ctime>

#include "config/duration.hpp"

namespace runbookd::gates {

std::string ClockText(WallTime at, WallTime now) {
  const auto to_tm = [](WallTime t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return tm;
  };
  const std::tm when = to_tm(at);
  const std::tm today = to_tm(now);
  const bool same_day = when.tm_year == today.tm_year && when.tm_yday == today.tm_yday;
  char buf[32];
  std::strftime(buf, sizeof buf, same_day ? "%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%SZ", &when);
  return buf;
}

std::string Rfc3339(WallTime at) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(at.time_since_epoch()).count();
  const auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

std::string DurationText(std::chrono::milliseconds d) { return config::FormatDuration(d); }

}  // namespace runbookd::gates
