#include "probes/k8s_common/k8s_common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace runbookd::probes::k8s_common {

namespace {

// The client always writes a message; this covers an error made by hand (a fake, a future caller).
std::string MessageOf(const k8s::ApiError& error) {
  if (!error.message.empty()) return error.message;
  std::string out = "Kubernetes API call failed";
  if (error.http_status != 0) out += ": HTTP " + std::to_string(error.http_status);
  if (!error.reason.empty()) out += " " + error.reason;
  return out;
}

// Reads exactly `digits` decimal digits at `pos`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool NameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

}  // namespace

ProbeResult ResultOfApiError(const k8s::ApiError& error, NotFoundMeans not_found, std::string_view object) {
  const std::string message = MessageOf(error);
  switch (error.kind) {
    case k8s::ErrorKind::kNone:
      return ProbeResult::Unknown(ProbeReason::kInternalError, "no API error to report");
    case k8s::ErrorKind::kTimeout:
    case k8s::ErrorKind::kCancelled:
      return ProbeResult::Unknown(ProbeReason::kTimeout, message);
    case k8s::ErrorKind::kTransport:
      return ProbeResult::Unknown(ProbeReason::kConnectionFailed, message);
    case k8s::ErrorKind::kCredentials:
    case k8s::ErrorKind::kUnauthorized:
    case k8s::ErrorKind::kForbidden:
      return ProbeResult::Unknown(ProbeReason::kUnauthorized, message);
    case k8s::ErrorKind::kNotFound:
      if (not_found == NotFoundMeans::kCheckedObjectMissing) {
        return ProbeResult::Unhealthy(ProbeReason::kNotFound, std::string(object) + " not found (" + message + ")");
      }
      return ProbeResult::Unknown(ProbeReason::kApiError, message);
    default:
      return ProbeResult::Unknown(ProbeReason::kApiError, message);
  }
}

ProbeResult UnusableAnswer(std::string_view what) {
  return ProbeResult::Unknown(ProbeReason::kApiError, "unexpected answer from the API server: " + std::string(what));
}

void Judge(ProbeResult& result, bool unhealthy, ProbeReason reason, std::string detail) {
  if (unhealthy) {
    result.Conclude(ProbeStatus::kUnhealthy, reason, std::move(detail));
  } else {
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, std::move(detail));
  }
}

const boost::json::array* ItemsOf(const boost::json::value& list) {
  static const boost::json::array kNone;
  if (!list.is_object()) return nullptr;
  const boost::json::value* items = list.get_object().if_contains("items");
  if (items == nullptr || items->is_null()) return &kNone;  // Go marshals an empty slice as null
  return items->is_array() ? &items->get_array() : nullptr;
}

bool CheckConnection(const config::Node& spec, const ProbeDeps& deps, std::string_view type) {
  if (deps.kubernetes) return true;
  if (!deps.connection.empty()) {
    spec.Error("probe type " + std::string(type) + " needs a connection of type kubernetes; \"" + deps.connection +
               "\" is not one");
    return false;
  }
  spec.Error("probe type " + std::string(type) + " needs a connection of type kubernetes (set connection: NAME)");
  return false;
}

bool CheckSpecShape(const config::Node& spec, std::string_view type, std::string_view required) {
  if (spec.defined() && !spec.is_map()) {
    spec.Error("the " + std::string(type) + " probe's spec must be a mapping");
    return false;
  }
  if (!spec.defined() && !required.empty()) {
    spec.Error("the " + std::string(type) + " probe needs a spec with at least " + std::string(required));
    return false;
  }
  return true;
}

std::string ReadObjectName(const config::Node& node) {
  if (!node.defined()) return {};
  std::string name = node.AsString();
  const bool valid = !name.empty() && name.size() <= 253 && NameChar(name.front()) && name.front() != '-' &&
                     name.front() != '.' && name.back() != '-' && name.back() != '.' &&
                     std::all_of(name.begin(), name.end(), NameChar);
  if (!valid && node.is_scalar()) {
    node.Error("\"" + name + "\" is not a Kubernetes object name (lower-case letters, digits, '-' and '.')");
  }
  return valid ? name : std::string();
}

const Clock& ClockOf(const ProbeDeps& deps) {
  static const SystemClock kSystemClock;
  return deps.clock != nullptr ? *deps.clock : kSystemClock;
}

std::optional<WallTime> ParseTime(std::string_view text) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS
  const auto year = Digits(text, 0, 4), mon = Digits(text, 5, 2), mday = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2), min = Digits(text, 14, 2), sec = Digits(text, 17, 2);
  if (!year || !mon || !mday || !hour || !min || !sec || text[4] != '-' || text[7] != '-' || text[13] != ':' ||
      text[16] != ':' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year(*year), month(static_cast<unsigned>(*mon)),
                            day(static_cast<unsigned>(*mday))};
  if (!date.ok() || *hour > 23 || *min > 59 || *sec > 60) return std::nullopt;
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const auto off_hour = Digits(text, pos + 1, 2), off_min = Digits(text, pos + 4, 2);
    if (!off_hour || !off_min || pos + 3 >= text.size() || text[pos + 3] != ':') return std::nullopt;
    offset = hours(*off_hour) + minutes(*off_min);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days(date) + hours(*hour) + minutes(*min) + seconds(*sec) + fraction;
  return time_point_cast<WallTime::duration>(local - offset);
}

std::string FormatAge(std::chrono::nanoseconds age) {
  // k8s.io/apimachinery/pkg/util/duration.HumanDuration.
  const int64_t s = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(age).count());
  const auto str = [](int64_t v) { return std::to_string(v); };
  if (s < 60 * 2) return str(s) + "s";
  const int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? str(m) + "m" : str(m) + "m" + str(s % 60) + "s";
  if (m < 60 * 3) return str(m) + "m";
  const int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? str(h) + "h" : str(h) + "h" + str(m % 60) + "m";
  if (h < 48) return str(h) + "h";
  if (h < 24 * 8) return h % 24 == 0 ? str(h / 24) + "d" : str(h / 24) + "d" + str(h % 24) + "h";
  if (h < 24 * 365 * 2) return str(h / 24) + "d";
  if (h < 24 * 365 * 8) {
    const int64_t days = h / 24 - (h / 24 / 365) * 365;
    return days == 0 ? str(h / 24 / 365) + "y" : str(h / 24 / 365) + "y" + str(days) + "d";
  }
  return str(h / 24 / 365) + "y";
}

std::string OneLine(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes;
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out + "...";
}

}  // namespace runbookd::probes::k8s_common
