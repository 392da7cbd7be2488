#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/url/url.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/clock.hpp"

namespace runbookd::http_client {

// Which addresses of a name to connect to (blackbox's preferred_ip_protocol + ip_protocol_fallback).
enum class IpFamily { kAny, kIp4, kIp6 };

struct Request {
  std::string method = "GET";
  boost::urls::url url;  // http:// or https://
  // Sent as given. A "Host" entry replaces the URL's authority; "User-Agent" replaces the default.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length when not empty
};

struct Options {
  SteadyTime deadline;  // absolute; every step (resolve, connect, handshake, write, read) ends by then
  // For https: a context from tls::MakeClientContext, built once by the owner and shared. When null,
  // a default one (system CAs) is built for the request, which costs a little each time.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::string tls_server_name;  // SNI and verified name for the first host; empty = the URL's host
  bool insecure_skip_verify = false;
  uint64_t max_body_bytes = 10 * 1024 * 1024;  // a longer body ends the request with kBodyTooLarge
  IpFamily ip_family = IpFamily::kAny;         // kIp4/kIp6: prefer that family...
  bool ip_fallback = true;                     // ...and use the other one when the name has none
  bool follow_redirects = true;                // false: a 3xx answer is the result
  int max_redirects = 10;                      // redirects followed before kTooManyRedirects
  std::string user_agent = "runbookd";
};

// How a request ended. Closed, so callers can map it (probes map it to ProbeReason).
enum class ErrorKind {
  kNone,               // a response was received (any status)
  kInvalidRequest,     // bad URL, unsupported scheme, bad Location header in a redirect
  kDnsError,           // the name did not resolve (or had no address of the allowed family)
  kConnectionRefused,  // every address refused
  kConnectionFailed,   // unreachable, reset, closed early
  kTimeout,            // the deadline passed
  kCancelled,          // the caller cancelled (cancellation slot)
  kTlsError,           // handshake failed for a reason other than the certificate
  kCertExpired,        // see tls::ClassifyHandshakeFailure
  kCertUntrusted,
  kCertHostnameMismatch,
  kProtocolError,     // the peer did not speak HTTP/1.x
  kBodyTooLarge,      // the body exceeded max_body_bytes; `body` holds what was read
  kTooManyRedirects,  // more than max_redirects; the last 3xx response is the result
};
std::string_view ToString(ErrorKind kind);

// The value of an `Authorization: Basic` header for these credentials (RFC 7617).
std::string BasicAuthorization(std::string_view user, std::string_view password);

// Seconds spent per phase, summed over redirects (blackbox's probe_http_duration_seconds phases).
struct Timing {
  double resolve = 0;
  double connect = 0;
  double tls = 0;
  double processing = 0;  // request written -> first response bytes (headers)
  double transfer = 0;    // headers -> end of body
  double total = 0;
};

struct Response {
  ErrorKind error = ErrorKind::kNone;
  std::string error_message;  // human text; never contains header values or the request body

  int status = 0;   // 0 when no response was received
  int version = 0;  // 10 or 11
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<uint64_t> content_length;  // the Content-Length header, when sent

  std::string final_url;  // after redirects
  int redirects = 0;      // redirect answers received (followed, or the one refused)

  bool tls = false;  // the final request went over TLS
  std::string tls_version;
  std::optional<int64_t> earliest_cert_expiry;  // unix seconds, over the peer's chain (final request)
  int ip_family = 0;                            // 4 or 6: the address of the final request
  std::string remote_address;

  Timing timing;

  bool ok() const { return error == ErrorKind::kNone; }
  // First value of a header, case-insensitive; empty when absent.
  std::string_view Header(std::string_view name) const;
};

// One request, following redirects as the options say. Never throws for network or protocol
// errors: they come back in Response::error. Runs on `executor`, which must not run handlers
// concurrently (an io_context run by one thread, or a strand).
boost::asio::awaitable<Response> Fetch(boost::asio::any_io_executor executor, const Request& request,
                                       const Options& options);

}  // namespace runbookd::http_client
