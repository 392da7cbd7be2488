#include "daemon/http/alertmanager_webhook.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>

namespace runbookd::http {
namespace {

namespace json = boost::json;

// A position in the document. Rendered only when something is wrong there, so a valid payload
// costs no path strings.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // a member name; empty for the root and for array elements
  std::optional<size_t> index;

  Path Member(std::string_view name) const { return Path{this, name, std::nullopt}; }
  Path Element(size_t i) const { return Path{this, {}, i}; }

  std::string Render() const {
    if (parent == nullptr) return "$";
    std::string out = parent->Render();
    if (index) return out + "[" + std::to_string(*index) + "]";
    const bool plain = !key.empty() && !(key.front() >= '0' && key.front() <= '9') &&
                       key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                           std::string_view::npos;
    return plain ? out + "." + std::string(key) : out + "[" + json::serialize(json::string(key)) + "]";
  }
};

using Failure = std::optional<WebhookParseError>;

WebhookParseError At(const Path& path, std::string message) { return {path.Render(), std::move(message)}; }

// `text` as a JSON string for an error message, cut (at a UTF-8 boundary) so that a huge value
// does not make a huge answer.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 64;
  if (text.size() <= kShown) return json::serialize(json::string(text));
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return json::serialize(json::string(text.substr(0, cut))) + "...";
}

// ---- RFC 3339 ----

struct UnixTime {
  int64_t seconds = 0;
  int64_t nanos = 0;  // 0 ≤ nanos < 1e9
};

// Go's zero time.Time, which Alertmanager sends as endsAt while an alert fires.
constexpr int64_t kGoZeroTimeSeconds = -62135596800;  // 0001-01-01T00:00:00Z

bool ReadDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DDTHH:MM:SS[.fraction of 1 to 9 digits](Z|±hh:mm)", as Go's time.RFC3339Nano writes
// and time.Time's UnmarshalJSON reads. Lowercase t and z are accepted too, as RFC 3339 allows.
std::optional<UnixTime> ParseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || !ReadDigits(text, 5, 2, month) || !ReadDigits(text, 8, 2, day) ||
      !ReadDigits(text, 11, 2, hour) || !ReadDigits(text, 14, 2, minute) || !ReadDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    size_t digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits == 9) return std::nullopt;
      nanos = nanos * 10 + (text[pos] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    // UTC
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int offset_hours, offset_minutes;
    if (!ReadDigits(text, pos + 1, 2, offset_hours) || !ReadDigits(text, pos + 4, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset_seconds = (text[pos] == '+' ? 1 : -1) * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return UnixTime{seconds, nanos};
}

// nullopt when WallTime cannot hold it (with nanosecond ticks: 1677-09-21 to 2262-04-11).
std::optional<WallTime> ToWallTime(UnixTime t) {
  using std::chrono::duration_cast;
  constexpr int64_t kMaxSeconds = duration_cast<std::chrono::seconds>(WallTime::duration::max()).count() - 1;
  constexpr int64_t kMinSeconds = duration_cast<std::chrono::seconds>(WallTime::duration::min()).count() + 1;
  if (t.seconds > kMaxSeconds || t.seconds < kMinSeconds) return std::nullopt;
  return WallTime(
      duration_cast<WallTime::duration>(std::chrono::seconds(t.seconds) + std::chrono::nanoseconds(t.nanos)));
}

// ---- Fields ----

enum class ZeroTime { kRefuse, kIsAbsent };

// A time field; with kIsAbsent Go's zero time gives nullopt.
Failure ReadTime(const json::value& value, const Path& at, ZeroTime zero, std::optional<WallTime>& out) {
  const json::string* text = value.if_string();
  if (text == nullptr) return At(at, "expected an RFC3339 time string");
  const auto parsed = ParseRfc3339(*text);
  if (!parsed) return At(at, "expected an RFC3339 time, got " + Quoted(*text));
  if (zero == ZeroTime::kIsAbsent && parsed->seconds == kGoZeroTimeSeconds && parsed->nanos == 0) {
    out.reset();
    return std::nullopt;
  }
  out = ToWallTime(*parsed);
  if (!out) return At(at, "expected a time between the years 1678 and 2261, got " + Quoted(*text));
  return std::nullopt;
}

Failure ReadString(const json::value& value, const Path& at, std::string& out) {
  const json::string* text = value.if_string();
  if (text == nullptr) return At(at, "expected a string");
  out.assign(text->data(), text->size());
  return std::nullopt;
}

Failure ReadStringMap(const json::value& value, const Path& at, store::Labels& out) {
  const json::object* object = value.if_object();
  if (object == nullptr) return At(at, "expected an object of strings");
  for (const auto& member : *object) {
    const json::string* text = member.value().if_string();
    if (text == nullptr) return At(at.Member(member.key()), "expected a string");
    out.insert_or_assign(std::string(member.key()), std::string(text->data(), text->size()));
  }
  return std::nullopt;
}

Failure ReadStatus(const json::value& value, const Path& at, store::AlertStatus& out) {
  const json::string* text = value.if_string();
  if (text == nullptr) return At(at, "expected a string");
  const auto status = store::ParseAlertStatus(*text);
  if (!status) return At(at, "expected \"firing\" or \"resolved\", got " + Quoted(*text));
  out = *status;
  return std::nullopt;
}

bool IsFingerprint(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// A member that must be there (null is there, and then fails its type check).
const json::value* Required(const json::object& object, std::string_view key) { return object.if_contains(key); }

// A member that may be left out; null counts as left out (Go writes a nil map or slice as null).
const json::value* Optional(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

Failure ReadAlert(const json::value& value, const Path& at, store::AlertRecord& alert) {
  const json::object* object = value.if_object();
  if (object == nullptr) return At(at, "expected an object");

  const json::value* status = Required(*object, "status");
  if (status == nullptr) return At(at.Member("status"), "missing required field");
  if (auto f = ReadStatus(*status, at.Member("status"), alert.status)) return f;

  const json::value* labels = Required(*object, "labels");
  if (labels == nullptr) return At(at.Member("labels"), "missing required field");
  if (auto f = ReadStringMap(*labels, at.Member("labels"), alert.labels)) return f;
  if (alert.labels.empty()) return At(at.Member("labels"), "must have at least one label");
  if (alert.labels.contains("")) return At(at.Member("labels"), "a label name must not be empty");

  if (const json::value* annotations = Optional(*object, "annotations")) {
    if (auto f = ReadStringMap(*annotations, at.Member("annotations"), alert.annotations)) return f;
  }

  const json::value* starts_at = Required(*object, "startsAt");
  if (starts_at == nullptr) return At(at.Member("startsAt"), "missing required field");
  std::optional<WallTime> starts;
  if (auto f = ReadTime(*starts_at, at.Member("startsAt"), ZeroTime::kRefuse, starts)) return f;
  alert.starts_at = *starts;

  if (const json::value* ends_at = Optional(*object, "endsAt")) {
    if (auto f = ReadTime(*ends_at, at.Member("endsAt"), ZeroTime::kIsAbsent, alert.ends_at)) return f;
  }

  if (const json::value* url = Optional(*object, "generatorURL")) {
    if (auto f = ReadString(*url, at.Member("generatorURL"), alert.generator_url)) return f;
  }

  if (const json::value* fingerprint = Optional(*object, "fingerprint")) {
    if (auto f = ReadString(*fingerprint, at.Member("fingerprint"), alert.fingerprint)) return f;
    if (!IsFingerprint(alert.fingerprint)) {
      return At(at.Member("fingerprint"), "expected 16 lowercase hex digits, got " + Quoted(alert.fingerprint));
    }
  } else {
    alert.fingerprint = AlertFingerprint(alert.labels);
  }
  return std::nullopt;
}

// Everything of the group but its alerts.
Failure ReadGroup(const json::object& root, const Path& at, AlertmanagerWebhook& webhook) {
  if (const json::value* v = Optional(root, "receiver")) {
    if (auto f = ReadString(*v, at.Member("receiver"), webhook.receiver)) return f;
  }
  if (const json::value* v = Optional(root, "status")) {
    store::AlertStatus status;
    if (auto f = ReadStatus(*v, at.Member("status"), status)) return f;
    webhook.status = status;
  }
  if (const json::value* v = Optional(root, "groupKey")) {
    if (auto f = ReadString(*v, at.Member("groupKey"), webhook.group_key)) return f;
  }
  if (const json::value* v = Optional(root, "groupLabels")) {
    if (auto f = ReadStringMap(*v, at.Member("groupLabels"), webhook.group_labels)) return f;
  }
  if (const json::value* v = Optional(root, "commonLabels")) {
    if (auto f = ReadStringMap(*v, at.Member("commonLabels"), webhook.common_labels)) return f;
  }
  if (const json::value* v = Optional(root, "commonAnnotations")) {
    if (auto f = ReadStringMap(*v, at.Member("commonAnnotations"), webhook.common_annotations)) return f;
  }
  if (const json::value* v = Optional(root, "externalURL")) {
    if (auto f = ReadString(*v, at.Member("externalURL"), webhook.external_url)) return f;
  }
  if (const json::value* v = Optional(root, "truncatedAlerts")) {
    if (const uint64_t* u = v->if_uint64()) {
      webhook.truncated_alerts = *u;
    } else if (const int64_t* i = v->if_int64(); i != nullptr && *i >= 0) {
      webhook.truncated_alerts = static_cast<uint64_t>(*i);
    } else {
      return At(at.Member("truncatedAlerts"), "expected a non-negative integer");
    }
  }
  return std::nullopt;
}

}  // namespace

std::string AlertFingerprint(const store::Labels& labels) {
  constexpr uint64_t kOffset = 14695981039346656037ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = kOffset;
  const auto add = [&hash](std::string_view bytes) {
    for (const char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= kPrime;
    }
  };
  constexpr std::string_view kSeparator = "\xff";
  for (const auto& [name, value] : labels) {
    add(name);
    add(kSeparator);
    add(value);
    add(kSeparator);
  }
  std::array<char, 16> digits;
  digits.fill('0');
  std::array<char, 16> buffer;
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), hash, 16).ptr;
  const size_t n = static_cast<size_t>(end - buffer.data());
  std::copy(buffer.data(), end, digits.data() + (16 - n));
  return std::string(digits.data(), digits.size());
}

WebhookParseResult ParseAlertmanagerWebhook(std::string_view body, WallTime received_at, WebhookLimits limits) {
  // The document lives only until its strings are copied out: one arena, freed at once.
  json::monotonic_resource arena;
  json::stream_parser parser(&arena);
  boost::system::error_code ec;
  const size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) return WebhookParseError{"$", "invalid JSON at byte " + std::to_string(consumed) + ": " + ec.message()};
  const json::value document = parser.release();

  const Path root;
  const json::object* object = document.if_object();
  if (object == nullptr) return At(root, "expected a JSON object");

  // First, so that a payload of another version is named for what it is.
  const json::value* version = Required(*object, "version");
  if (version == nullptr) return At(root.Member("version"), "missing required field");
  const json::string* version_text = version->if_string();
  if (version_text == nullptr) return At(root.Member("version"), "expected a string");
  if (*version_text != "4") {
    return At(root.Member("version"),
              "unsupported webhook version " + Quoted(*version_text) + " (runbookd understands version 4)");
  }

  AlertmanagerWebhook webhook;
  if (auto f = ReadGroup(*object, root, webhook)) return *f;

  const Path alerts_path = root.Member("alerts");
  const json::value* alerts = Required(*object, "alerts");
  if (alerts == nullptr) return At(alerts_path, "missing required field");
  const json::array* array = alerts->if_array();
  if (array == nullptr) return At(alerts_path, "expected an array");
  if (array->size() > limits.max_alerts) {
    return At(alerts_path, "too many alerts: " + std::to_string(array->size()) + " (at most " +
                               std::to_string(limits.max_alerts) + " per request)");
  }

  webhook.alerts.resize(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    store::AlertRecord& alert = webhook.alerts[i];
    if (auto f = ReadAlert((*array)[i], alerts_path.Element(i), alert)) return *f;
    alert.receiver = webhook.receiver;
    alert.group_key = webhook.group_key;
    alert.seen_at = received_at;
  }
  return webhook;
}

}  // namespace runbookd::http
