#include "daemon/clients/aws/aws_time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace runbookd::aws {

namespace {

using std::chrono::days;
using std::chrono::seconds;

struct Civil {
  int year = 0;
  unsigned month = 0, day = 0;
  long hour = 0, minute = 0, second = 0;
};

Civil ToCivil(WallTime time) {
  const auto secs = std::chrono::floor<seconds>(time);
  const auto day_start = std::chrono::floor<days>(secs);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(day_start)};
  const std::chrono::hh_mm_ss hms{secs - day_start};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<long>(hms.hours().count()),
          static_cast<long>(hms.minutes().count()),
          static_cast<long>(hms.seconds().count())};
}

std::optional<WallTime> FromCivil(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return WallTime(std::chrono::sys_days(ymd).time_since_epoch() + std::chrono::hours(hour) +
                  std::chrono::minutes(minute) + seconds(second));
}

// Reads exactly `width` digits at `pos`.
bool Digits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data() + pos, text.data() + pos + width, out);
  return true;
}

bool At(std::string_view text, size_t pos, char c) { return pos < text.size() && text[pos] == c; }

}  // namespace

std::string FormatAmzDate(WallTime time) {
  const Civil c = ToCivil(time);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02ld%02ld%02ldZ", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string FormatScopeDate(WallTime time) { return FormatAmzDate(time).substr(0, 8); }

std::string FormatIso8601(WallTime time) {
  const Civil c = ToCivil(time);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second);
  return buf;
}

std::optional<WallTime> ParseAmzDate(std::string_view text) {
  int y, mo, d, h, mi, s;
  if (text.size() != 16 || !Digits(text, 0, 4, y) || !Digits(text, 4, 2, mo) || !Digits(text, 6, 2, d) ||
      !At(text, 8, 'T') || !Digits(text, 9, 2, h) || !Digits(text, 11, 2, mi) || !Digits(text, 13, 2, s) ||
      !At(text, 15, 'Z')) {
    return std::nullopt;
  }
  return FromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, s);
}

std::optional<WallTime> ParseIso8601(std::string_view text) {
  int y, mo, d, h, mi, s;
  if (!Digits(text, 0, 4, y) || !At(text, 4, '-') || !Digits(text, 5, 2, mo) || !At(text, 7, '-') ||
      !Digits(text, 8, 2, d) || !(At(text, 10, 'T') || At(text, 10, 't') || At(text, 10, ' ')) ||
      !Digits(text, 11, 2, h) || !At(text, 13, ':') || !Digits(text, 14, 2, mi) || !At(text, 16, ':') ||
      !Digits(text, 17, 2, s)) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (At(text, pos, '.')) {
    ++pos;
    const size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == digits_start) return std::nullopt;  // fractions are dropped: expirations are whole seconds
  }
  std::optional<WallTime> local = FromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, s);
  if (!local) return std::nullopt;
  if ((At(text, pos, 'Z') || At(text, pos, 'z')) && pos + 1 == text.size()) return local;
  int oh, om;
  if ((At(text, pos, '+') || At(text, pos, '-')) && Digits(text, pos + 1, 2, oh) && At(text, pos + 3, ':') &&
      Digits(text, pos + 4, 2, om) && pos + 6 == text.size()) {
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return text[pos] == '+' ? *local - offset : *local + offset;
  }
  return std::nullopt;
}

}  // namespace runbookd::aws
