#include "daemon/http/router.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <set>
#include <stdexcept>

namespace runbookd::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsParam(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const int ca = std::tolower(static_cast<unsigned char>(a[i]));
    const int cb = std::tolower(static_cast<unsigned char>(b[i]));
    if (ca != cb) return ca < cb;
  }
  return a.size() < b.size();
}

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

std::string_view Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string_view{} : std::string_view{it->second};
}

Response Response::Json(unsigned status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  r.body += '\n';
  return r;
}

Response Response::Error(unsigned status, std::string code, std::string message) {
  return Json(status, boost::json::object{{"error", std::move(message)}, {"code", std::move(code)}});
}

Response Response::Text(unsigned status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Router::Router(std::shared_ptr<const Authenticator> auth) : auth_(std::move(auth)) {}

void Router::Add(std::string method, std::string pattern, std::optional<Role> required, Handler handler) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  if (!handler) throw std::invalid_argument("route without handler: " + pattern);
  if (required && !auth_)
    throw std::invalid_argument("route needs a role but the router has no authenticator: " + pattern);
  Route route{std::move(method), {}, 0, required, std::move(handler)};
  for (std::string_view seg : SplitPath(pattern)) {
    if (seg.find_first_of("{}") != std::string_view::npos && !IsParam(seg)) {
      throw std::invalid_argument("a parameter must be a whole segment: " + pattern);
    }
    if (!IsParam(seg)) ++route.literals;
    route.segments.emplace_back(seg);
  }
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& path,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (IsParam(seg)) {
      if (path[i].empty()) return false;
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
    } else if (seg != path[i]) {
      return false;
    }
  }
  return true;
}

boost::asio::awaitable<Response> Router::Dispatch(Request& req) const {
  const auto path = SplitPath(req.path);
  const Route* best = nullptr;
  std::set<std::string> allowed;
  for (const auto& route : routes_) {
    if (!Match(route, path, nullptr)) continue;
    allowed.insert(route.method);
    if (route.method == req.method && (best == nullptr || route.literals > best->literals)) best = &route;
  }
  if (allowed.empty()) co_return Response::Error(404, "not_found", "no such path: " + req.path);
  if (best == nullptr) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = Response::Error(405, "method_not_allowed", "method " + req.method + " not allowed; use " + allow);
    r.headers.emplace_back("Allow", allow);
    co_return r;
  }

  if (best->required) {
    AuthDecision d = auth_->Check(req.Header("Authorization"), *best->required);
    if (!d.ok) {
      Response r = Response::Error(d.status, d.code, d.message);
      if (d.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"runbookd\"");
      co_return r;
    }
    req.token_name = std::move(d.token_name);
  }

  req.path_params.clear();
  Match(*best, path, &req.path_params);
  try {
    co_return co_await best->handler(req);
  } catch (...) {
    // Handlers answer errors as values; an exception is a bug, and its text may say too much.
  }
  co_return Response::Error(500, "internal_error", "internal error while handling " + req.method + " " + req.path);
}

}  // namespace runbookd::http
