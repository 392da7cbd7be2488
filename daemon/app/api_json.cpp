#include "daemon/app/api_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <ctime>

namespace runbookd {

namespace json = boost::json;

std::string Rfc3339(WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

json::object ProbeViewJson(const ProbeView& v) {
  json::object o;
  o["name"] = v.name;
  o["type"] = v.type;
  o["state"] = std::string(ToString(v.state));
  o["streak"] = v.streak;
  o["runs"] = v.runs;
  o["skipped"] = v.skipped;
  if (!v.last) {
    o["last"] = nullptr;
    return o;
  }
  json::object last;
  last["status"] = std::string(ToString(v.last->status));
  last["reason"] = std::string(ToString(v.last->reason));
  last["detail"] = v.last->detail;
  last["duration_seconds"] = std::chrono::duration<double>(v.last->duration).count();
  last["at"] = Rfc3339(v.last_run);
  json::object obs;
  for (const auto& [name, value] : v.last->observations) obs[name] = value;
  last["observations"] = std::move(obs);
  o["last"] = std::move(last);
  return o;
}

json::object IncidentJson(const store::IncidentRecord& r) {
  json::object labels;
  for (const auto& [k, v] : r.group_labels) labels[k] = v;
  json::object o{{"id", r.id},
                 {"rule", r.rule},
                 {"group", std::move(labels)},
                 {"severity", r.severity},
                 {"state", std::string(store::ToString(r.state))},
                 {"opened_at", Rfc3339(r.opened_at)},
                 {"updated_at", Rfc3339(r.updated_at)}};
  o["suppressed_by"] = r.suppressed_by ? json::value(*r.suppressed_by) : json::value(nullptr);
  o["resolved_at"] = r.resolved_at ? json::value(Rfc3339(*r.resolved_at)) : json::value(nullptr);
  return o;
}

json::object IncidentDetailJson(const store::IncidentDetail& d) {
  json::object o = IncidentJson(d.incident);
  json::array timeline;
  for (const auto& e : d.timeline) {
    timeline.push_back(json::object{{"at", Rfc3339(e.at)},
                                    {"source", e.source},
                                    {"kind", std::string(store::ToString(e.kind))},
                                    {"message", e.message}});
  }
  o["timeline"] = std::move(timeline);
  return o;
}

std::optional<boost::json::object> ParseObjectBody(const std::string& body, std::string_view expected,
                                                   std::string& error) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) {
    error = "$: not valid JSON: " + ec.message();
    return std::nullopt;
  }
  if (!v.is_object()) {
    error = "$: expected " + std::string(expected);
    return std::nullopt;
  }
  return std::move(v.get_object());
}

std::optional<int64_t> ParsePathId(const std::string& raw) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (ec != std::errc() || end != raw.data() + raw.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace runbookd
