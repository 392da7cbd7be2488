#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http/auth.hpp"

namespace runbookd::http {

// Orders header names case-insensitively (HTTP field names are), with heterogeneous lookup.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // percent-decoded, without the query
  std::map<std::string, std::string> query;  // decoded; of a repeated key the first value wins
  Headers headers;                           // repeated fields are joined with ", "
  std::string body;
  std::map<std::string, std::string> path_params;  // filled by Router from "{name}" segments
  std::string token_name;                          // filled by Router when the route needs a role
  std::string remote;                              // "ip:port" of the peer

  // The header's value, or "" when absent.
  std::string_view Header(std::string_view name) const;
  // The query parameter's value, or "" when absent.
  std::string_view Query(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields (Allow, WWW-Authenticate, ...)

  static Response Json(unsigned status, const boost::json::value& body);
  // Every error of the API: {"error": "human text", "code": "machine_code"}.
  static Response Error(unsigned status, std::string code, std::string message);
  static Response Text(unsigned status, std::string body, std::string content_type);
};

using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;

// Maps method + path to a handler, checking the route's role first. Built once per config
// generation and then only read, so requests of one generation share it without locks.
class Router {
 public:
  explicit Router(std::shared_ptr<const Authenticator> auth);

  // `pattern` is a path whose segments are literals or "{name}" (one whole segment), e.g.
  // "/api/v1/incidents/{id}". When several patterns match a path, the one with more literal
  // segments wins (so "/a/b" beats "/a/{x}"), then the one added first. `required` = nullopt
  // leaves the route open. Throws std::invalid_argument for a malformed pattern (a programming
  // error, caught by tests).
  void Add(std::string method, std::string pattern, std::optional<Role> required, Handler handler);

  // 404 when no pattern matches the path, 405 (with Allow) when none of those takes the method,
  // 401/403 when the route needs a role the request's token lacks. Fills req.path_params and
  // req.token_name before calling the handler. A handler that throws gives a 500 JSON error.
  boost::asio::awaitable<Response> Dispatch(Request& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" kept verbatim for parameters
    int literals = 0;
    std::optional<Role> required;
    Handler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>* params);

  std::shared_ptr<const Authenticator> auth_;
  std::vector<Route> routes_;
};

}  // namespace runbookd::http
