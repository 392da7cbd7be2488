#include "daemon/store/codec.hpp"

#include <boost/json.hpp>

namespace runbookd::store::codec {

int64_t ToUnixMs(WallTime t) { return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

WallTime FromUnixMs(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

std::optional<int64_t> ToUnixMs(const std::optional<WallTime>& t) {
  if (!t) return std::nullopt;
  return ToUnixMs(*t);
}

std::optional<WallTime> FromUnixMs(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return FromUnixMs(*ms);
}

std::string EncodeLabels(const Labels& labels) {
  boost::json::object object;
  for (const auto& [name, value] : labels) object[name] = value;
  return boost::json::serialize(object);
}

Result<Labels> DecodeLabels(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return Error{ErrorCode::kIo, "stored labels are not a JSON object"};
  Labels labels;
  for (const auto& [name, value] : parsed.get_object()) {
    if (!value.is_string()) return Error{ErrorCode::kIo, "stored label " + std::string(name) + " is not a string"};
    labels.emplace(name, value.get_string());
  }
  return labels;
}

}  // namespace runbookd::store::codec
