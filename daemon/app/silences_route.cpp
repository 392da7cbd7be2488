#include "daemon/app/silences_route.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "config/duration.hpp"
#include "daemon/app/api_json.hpp"
#include "daemon/clients/k8s/exec_plugin.hpp"

namespace runbookd {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

constexpr int kListAllLimit = 1000;

// The matcher at `path`: "name=value" text, or {"name", "op" (default "="), "value"}.
std::optional<store::SilenceMatcher> ParseMatcher(const json::value& v, const std::string& path, std::string& error) {
  std::optional<store::SilenceMatcher> m;
  if (v.is_string()) {
    m = gates::ParseSilenceMatcher(v.get_string(), error);
    if (!m) {
      error = path + ": " + error;
      return std::nullopt;
    }
  } else if (v.is_object()) {
    m.emplace();
    bool has_name = false, has_value = false;
    for (const auto& kv : v.get_object()) {
      const std::string at = path + "." + std::string(kv.key());
      if (kv.key() != "name" && kv.key() != "op" && kv.key() != "value") {
        error = at + ": unknown key (expected name, op, value)";
        return std::nullopt;
      }
      if (!kv.value().is_string()) {
        error = at + ": expected a string";
        return std::nullopt;
      }
      const std::string text(kv.value().get_string());
      if (kv.key() == "name") {
        m->name = text;
        has_name = true;
      } else if (kv.key() == "value") {
        m->value = text;
        has_value = true;
      } else if (auto op = store::ParseSilenceMatchOp(text)) {
        m->op = *op;
      } else {
        error = at + ": expected one of =, !=, =~, !~";
        return std::nullopt;
      }
    }
    if (!has_name || !has_value) {
      error = path + (has_name ? ".value" : ".name") + ": required";
      return std::nullopt;
    }
  } else {
    error = path + ": expected \"name=value\" or {\"name\", \"op\", \"value\"}";
    return std::nullopt;
  }
  std::string why;
  if (!gates::CompileSilenceMatcher(*m, why)) {
    error = path + (v.is_object() ? (rules::IsValidLabelName(m->name) ? ".value" : ".name") : "") + ": " + why;
    return std::nullopt;
  }
  return m;
}

std::optional<WallTime> ParseTime(const json::value& v, const std::string& path, std::string& error) {
  const auto* text = v.if_string();
  auto t = text ? k8s::ParseRfc3339(*text) : std::nullopt;
  if (!t) error = path + ": expected an RFC 3339 time such as 2024-05-01T10:00:00Z";
  return t;
}

http::Response Failure(const gates::SilenceAnswer& a) {
  const unsigned status = *a.error == gates::SilenceError::kInvalid          ? 400
                          : *a.error == gates::SilenceError::kNotFound       ? 404
                          : *a.error == gates::SilenceError::kAlreadyExpired ? 409
                                                                             : 503;
  return http::Response::Error(status, std::string(gates::ToString(*a.error)),
                               status == 400 ? "$: " + a.message : a.message);
}

}  // namespace

json::object SilenceJson(const store::SilenceRecord& s, WallTime now) {
  json::array matchers;
  for (const auto& m : s.matchers) {
    matchers.push_back(json::object{{"name", m.name}, {"op", store::ToString(m.op)}, {"value", m.value}});
  }
  const char* state = s.EndedAt(now) ? "expired" : now < s.starts_at ? "pending" : "active";
  return json::object{{"id", s.id},
                      {"matchers", std::move(matchers)},
                      {"starts_at", Rfc3339(s.starts_at)},
                      {"ends_at", Rfc3339(s.ends_at)},
                      {"created_by", s.created_by},
                      {"comment", s.comment},
                      {"created_at", Rfc3339(s.created_at)},
                      {"expired_at", s.expired_at ? json::value(Rfc3339(*s.expired_at)) : json::value()},
                      {"state", state}};
}

std::optional<store::NewSilence> ParseSilenceBody(const std::string& body, WallTime now, std::string& error) {
  const auto object = ParseObjectBody(body, "an object with matchers and ends_at or duration", error);
  if (!object) return std::nullopt;
  store::NewSilence s;
  s.starts_at = now;
  std::optional<WallTime> ends_at;
  std::optional<config::Duration> duration;
  bool has_matchers = false;
  for (const auto& kv : *object) {
    const std::string path = "$." + std::string(kv.key());
    const json::value& value = kv.value();
    if (kv.key() == "matchers") {
      has_matchers = true;
      if (!value.is_array() || value.get_array().empty()) {
        error = path + ": expected a non-empty array of matchers";
        return std::nullopt;
      }
      for (size_t i = 0; i < value.get_array().size(); ++i) {
        auto m = ParseMatcher(value.get_array()[i], path + "[" + std::to_string(i) + "]", error);
        if (!m) return std::nullopt;
        s.matchers.push_back(std::move(*m));
      }
    } else if (kv.key() == "starts_at") {
      auto t = ParseTime(value, path, error);
      if (!t) return std::nullopt;
      s.starts_at = std::max(*t, now);  // a window that began earlier begins now, as in Alertmanager
    } else if (kv.key() == "ends_at") {
      ends_at = ParseTime(value, path, error);
      if (!ends_at) return std::nullopt;
    } else if (kv.key() == "duration") {
      const auto* text = value.if_string();
      duration = text ? config::ParseDuration(*text) : std::nullopt;
      if (!duration || duration->count() <= 0) {
        error = path + ": expected a positive duration such as 30m or 2h";
        return std::nullopt;
      }
    } else if (kv.key() == "comment") {
      if (!value.is_string()) {
        error = path + ": expected a string";
        return std::nullopt;
      }
      s.comment = std::string(value.get_string());
    } else {
      error = path + ": unknown key (expected matchers, starts_at, ends_at, duration, comment)";
      return std::nullopt;
    }
  }
  if (!has_matchers) {
    error = "$.matchers: required";
    return std::nullopt;
  }
  if (ends_at && duration) {
    error = "$.duration: give ends_at or duration, not both";
    return std::nullopt;
  }
  if (!ends_at && !duration) {
    error = "$.ends_at: required (or duration)";
    return std::nullopt;
  }
  s.ends_at = ends_at ? *ends_at : s.starts_at + *duration;
  if (s.ends_at <= s.starts_at) {
    error = "$.ends_at: must be after starts_at (and after now)";
    return std::nullopt;
  }
  if (auto why = gates::CheckNewSilence(s, now); !why.empty()) {
    error = "$.matchers: " + why;
    return std::nullopt;
  }
  return s;
}

http::Handler MakeListSilencesHandler(std::function<gates::SilenceBook&()> book, const Clock& clock) {
  return [book, &clock](const http::Request& req) -> asio::awaitable<http::Response> {
    const WallTime now = clock.WallNow();
    json::array items;
    if (req.Query("all").empty()) {
      for (const auto& s : book().Current(now)) items.push_back(SilenceJson(s, now));
    } else {
      auto list = book().All(kListAllLimit);
      auto all = co_await std::move(list);
      if (!all) co_return http::Response::Error(503, "store_unavailable", all.error().message);
      for (const auto& s : *all) items.push_back(SilenceJson(s, now));
    }
    co_return http::Response::Json(200, json::object{{"silences", std::move(items)}});
  };
}

http::Handler MakeAddSilenceHandler(std::function<gates::SilenceBook&()> book, const Clock& clock) {
  return [book, &clock](const http::Request& req) -> asio::awaitable<http::Response> {
    const WallTime now = clock.WallNow();
    std::string error;
    auto silence = ParseSilenceBody(req.body, now, error);
    if (!silence) co_return http::Response::Error(400, "bad_request", error);
    silence->created_by = req.token_name;
    silence->created_at = now;
    auto add = book().Add(std::move(*silence), now);
    const gates::SilenceAnswer answer = co_await std::move(add);
    if (!answer.ok()) co_return Failure(answer);
    co_return http::Response::Json(200, SilenceJson(*answer.silence, now));
  };
}

http::Handler MakeExpireSilenceHandler(std::function<gates::SilenceBook&()> book, const Clock& clock) {
  return [book, &clock](const http::Request& req) -> asio::awaitable<http::Response> {
    const auto id = ParsePathId(req.path_params.at("id"));
    if (!id) co_return http::Response::Error(400, "bad_request", "silence id must be a positive integer");
    const WallTime now = clock.WallNow();
    auto expire = book().Expire(*id, now);
    const gates::SilenceAnswer answer = co_await std::move(expire);
    if (!answer.ok()) co_return Failure(answer);
    co_return http::Response::Json(200, SilenceJson(*answer.silence, now));
  };
}

}  // namespace runbookd
