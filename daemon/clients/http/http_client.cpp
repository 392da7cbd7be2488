#include "daemon/clients/http/http_client.hpp"

#include <openssl/evp.h>
#include <strings.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include "daemon/clients/dns/resolver.hpp"
#include "daemon/clients/tls/tls.hpp"

namespace runbookd::http_client {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

void Fail(Response& out, ErrorKind kind, std::string message) {
  out.error = kind;
  out.error_message = std::move(message);
}

// Network and protocol errors of the connect/write/read steps.
ErrorKind KindOf(const error_code& ec) {
  if (ec == beast::error::timeout) return ErrorKind::kTimeout;
  if (ec == asio::error::operation_aborted) return ErrorKind::kCancelled;
  if (ec == asio::error::connection_refused) return ErrorKind::kConnectionRefused;
  if (ec == http::error::body_limit) return ErrorKind::kBodyTooLarge;
  if (ec == http::error::end_of_stream || ec == asio::ssl::error::stream_truncated || ec == asio::error::eof) {
    return ErrorKind::kConnectionFailed;
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) return ErrorKind::kProtocolError;
  if (ec.category() == asio::error::get_ssl_category())
    return ErrorKind::kTlsError;  // e.g. an alert after the handshake
  return ErrorKind::kConnectionFailed;
}

std::string Describe(const error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) return std::string(step) + ": deadline exceeded";
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return std::string(step) + ": connection closed by peer";
  }
  return std::string(step) + ": " + ec.message();
}

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Candidate addresses in the order to try, after the family preference.
std::vector<tcp::endpoint> ChooseAddresses(const std::vector<tcp::endpoint>& all, IpFamily family, bool fallback) {
  if (family == IpFamily::kAny) return all;
  std::vector<tcp::endpoint> preferred, other;
  for (const auto& e : all) {
    const bool v6 = e.address().is_v6();
    ((family == IpFamily::kIp6) == v6 ? preferred : other).push_back(e);
  }
  if (!preferred.empty() || !fallback) return preferred;
  return other;
}

// Name lookups go through c-ares on the event loop (daemon/clients/dns), never a blocking
// getaddrinfo thread that one slow resolver would hold up for every other probe.
asio::awaitable<void> Resolve(const asio::any_io_executor& ex, const std::string& host, uint16_t port,
                              const Options& options, std::vector<tcp::endpoint>& out_endpoints, Response& out) {
  const dns::AddressChoice choice{options.ip_family == IpFamily::kIp6 ? dns::IpProtocol::kIp6 : dns::IpProtocol::kIp4,
                                  options.ip_family == IpFamily::kAny || options.ip_fallback};
  const dns::ResolvedHost resolved = co_await dns::ResolveHost(ex, host, choice, options.deadline);
  switch (resolved.status) {
    case dns::ResolvedHost::Status::kOk:
      out_endpoints.emplace_back(resolved.address, port);
      co_return;
    case dns::ResolvedHost::Status::kTimeout:
      Fail(out, ErrorKind::kTimeout, "resolving " + host + ": deadline exceeded");
      co_return;
    case dns::ResolvedHost::Status::kCancelled:
      Fail(out, ErrorKind::kCancelled, "resolving " + host + ": cancelled");
      co_return;
    case dns::ResolvedHost::Status::kNotFound:
    case dns::ResolvedHost::Status::kError:
      break;
  }
  Fail(out, ErrorKind::kDnsError, "resolving " + host + ": " + resolved.error);
}

// One request/response on a connected (and, for https, handshaken) stream.
template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, http::request<http::string_body>& req, const Options& options,
                               Response& out) {
  auto [wec, written] = co_await http::async_write(stream, req, kTuple);
  if (wec) {
    Fail(out, KindOf(wec), Describe(wec, "sending request"));
    co_return;
  }
  const auto sent = Steady::now();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(1024 * 1024);
  parser.body_limit(options.max_body_bytes);
  if (req.method() == http::verb::head) parser.skip(true);

  auto fill = [&out, &parser] {
    const auto& msg = parser.get();
    out.status = static_cast<int>(msg.result_int());
    out.version = static_cast<int>(msg.version());
    out.headers.clear();
    for (const auto& field : msg)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (parser.content_length()) out.content_length = *parser.content_length();
  };

  auto [hec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  const auto first_byte = Steady::now();
  out.timing.processing += Seconds(first_byte - sent);
  if (hec) {
    if (hec == http::error::body_limit) fill();  // the status line and headers did arrive
    Fail(out, KindOf(hec),
         hec == http::error::body_limit
             ? "response body larger than " + std::to_string(options.max_body_bytes) + " bytes"
             : Describe(hec, "reading response headers"));
    co_return;
  }
  fill();
  auto [bec, body_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
  out.timing.transfer += Seconds(Steady::now() - first_byte);
  out.body = std::move(parser.get().body());
  if (bec) {
    Fail(out, KindOf(bec),
         bec == http::error::body_limit
             ? "response body larger than " + std::to_string(options.max_body_bytes) + " bytes"
             : Describe(bec, "reading response body"));
  }
}

struct Target {
  bool https = false;
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
  std::string path;  // origin-form: path and query
};

bool ParseTarget(const urls::url& url, Target& t, std::string& error) {
  const auto scheme = url.scheme();
  if (EqualsIgnoreCase(scheme, "https")) {
    t.https = true;
  } else if (!EqualsIgnoreCase(scheme, "http")) {
    error = "unsupported URL scheme \"" + std::string(scheme) + "\" (want http or https)";
    return false;
  }
  switch (url.host_type()) {
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      t.host = url.host_address();
      break;
    case urls::host_type::name:
      t.host = url.host_name();
      break;
    default:
      t.host.clear();
  }
  if (t.host.empty()) {
    error = "URL \"" + std::string(url.buffer()) + "\" has no usable host";
    return false;
  }
  t.port = url.has_port() ? std::string(url.port()) : (t.https ? "443" : "80");
  if (t.port.empty() || t.port.size() > 5 || t.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(t.port) == 0 || std::stoul(t.port) > 65535) {
    error = "URL \"" + std::string(url.buffer()) + "\" has an invalid port";
    return false;
  }
  t.host_header = std::string(url.encoded_host_and_port());
  t.path = std::string(url.encoded_target());
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  return true;
}

http::request<http::string_body> BuildRequest(const std::string& method, const Target& target, const urls::url& url,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              const std::string& body, const Options& options) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target.path);
  req.version(11);
  req.set(http::field::host, target.host_header);
  req.set(http::field::user_agent, options.user_agent);
  if (url.has_userinfo() && !HasHeader(headers, "Authorization")) {
    req.set(http::field::authorization, BasicAuthorization(url.user(), url.password()));
  }
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();
  req.keep_alive(false);  // one request per connection: nothing to pool between probe runs
  return req;
}

// One hop: resolve, connect, handshake, exchange. Fills `out` (timing is added to).
asio::awaitable<void> OneHop(asio::any_io_executor ex, const urls::url& url, const std::string& method,
                             const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                             const Options& options, const std::string& server_name, Response& out) {
  Target target;
  std::string error;
  if (!ParseTarget(url, target, error)) {
    Fail(out, ErrorKind::kInvalidRequest, error);
    co_return;
  }
  if (Steady::now() >= options.deadline) {
    Fail(out, ErrorKind::kTimeout, "deadline exceeded before connecting to " + target.host);
    co_return;
  }

  // Resolve (an IP literal needs no lookup).
  auto t0 = Steady::now();
  std::vector<tcp::endpoint> all;
  error_code aec;
  const auto literal = asio::ip::make_address(target.host, aec);
  const auto port = static_cast<uint16_t>(std::stoul(target.port));
  if (!aec) {
    all.emplace_back(literal, port);
  } else {
    co_await Resolve(ex, target.host, port, options, all, out);
    out.timing.resolve += Seconds(Steady::now() - t0);
    if (!out.ok()) co_return;
  }
  std::vector<tcp::endpoint> endpoints = ChooseAddresses(all, options.ip_family, options.ip_fallback);
  if (endpoints.empty()) {
    Fail(out, ErrorKind::kDnsError,
         "resolving " + target.host + ": no " + (options.ip_family == IpFamily::kIp6 ? "IPv6" : "IPv4") + " address");
    co_return;
  }
  out.ip_family = endpoints.front().address().is_v6() ? 6 : 4;
  out.remote_address = endpoints.front().address().to_string();

  // Connect.
  auto t1 = Steady::now();
  beast::tcp_stream stream(ex);
  stream.expires_at(options.deadline);
  auto [cec, connected] = co_await stream.async_connect(endpoints, kTuple);
  out.timing.connect += Seconds(Steady::now() - t1);
  if (cec) {
    Fail(out, KindOf(cec), Describe(cec, "connecting to " + target.host_header));
    co_return;
  }
  out.ip_family = connected.address().is_v6() ? 6 : 4;
  out.remote_address = connected.address().to_string();

  auto req = BuildRequest(method, target, url, headers, body, options);
  if (!target.https) {
    out.tls = false;
    co_await Exchange(stream, req, options, out);
    co_return;
  }

  // TLS.
  std::shared_ptr<asio::ssl::context> context = options.tls_context;
  if (!context) {
    auto built = tls::MakeClientContext(tls::TlsOptions{});
    if (!built.context) {
      Fail(out, ErrorKind::kTlsError, built.error);
      co_return;
    }
    context = built.context;
  }
  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *context);
  const std::string name = server_name.empty() ? target.host : server_name;
  if (auto ec = tls::PrepareClientConnection(tls_stream.native_handle(), name, options.insecure_skip_verify)) {
    Fail(out, ErrorKind::kTlsError, "preparing TLS for " + name + ": " + ec.message());
    co_return;
  }
  auto t2 = Steady::now();
  auto [hec] = co_await tls_stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  out.timing.tls += Seconds(Steady::now() - t2);
  if (hec) {
    const ErrorKind kind = KindOf(hec);
    if (kind == ErrorKind::kTimeout || kind == ErrorKind::kCancelled || kind == ErrorKind::kConnectionRefused) {
      Fail(out, kind, Describe(hec, "TLS handshake with " + target.host_header));
      co_return;
    }
    const auto failure = tls::ClassifyHandshakeFailure(tls_stream.native_handle(), hec);
    switch (failure.reason) {
      case ProbeReason::kCertExpired:
        Fail(out, ErrorKind::kCertExpired, failure.message);
        break;
      case ProbeReason::kCertUntrusted:
        Fail(out, ErrorKind::kCertUntrusted, failure.message);
        break;
      case ProbeReason::kCertHostnameMismatch:
        Fail(out, ErrorKind::kCertHostnameMismatch, failure.message + " (for " + name + ")");
        break;
      default:
        Fail(out, kind == ErrorKind::kTlsError ? ErrorKind::kTlsError : kind, failure.message);
    }
    co_return;
  }
  out.tls = true;
  const auto chain = tls::InspectPeerChain(tls_stream.native_handle());
  out.tls_version = chain.tls_version;
  out.earliest_cert_expiry = chain.earliest_not_after;
  co_await Exchange(tls_stream, req, options, out);
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kInvalidRequest:
      return "invalid_request";
    case ErrorKind::kDnsError:
      return "dns_error";
    case ErrorKind::kConnectionRefused:
      return "connection_refused";
    case ErrorKind::kConnectionFailed:
      return "connection_failed";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kTlsError:
      return "tls_error";
    case ErrorKind::kCertExpired:
      return "cert_expired";
    case ErrorKind::kCertUntrusted:
      return "cert_untrusted";
    case ErrorKind::kCertHostnameMismatch:
      return "cert_hostname_mismatch";
    case ErrorKind::kProtocolError:
      return "protocol_error";
    case ErrorKind::kBodyTooLarge:
      return "body_too_large";
    case ErrorKind::kTooManyRedirects:
      return "too_many_redirects";
  }
  return "unknown";
}

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

asio::awaitable<Response> Fetch(asio::any_io_executor executor, const Request& request, const Options& options) {
  const auto start = Steady::now();
  Response out;
  urls::url current = request.url;
  std::string method = request.method.empty() ? "GET" : request.method;
  std::string body = request.body;
  auto headers = request.headers;
  const std::string first_authority(current.encoded_host_and_port());

  for (;;) {
    Response hop;
    hop.timing = out.timing;
    // Like blackbox: tls_server_name applies to the first host only, not to other hosts redirected to.
    // (A named local, not a temporary in the co_await expression: GCC 12 mis-destroys those.)
    std::string server_name;
    if (current.encoded_host_and_port() == first_authority) server_name = options.tls_server_name;
    co_await OneHop(executor, current, method, headers, body, options, server_name, hop);
    hop.redirects = out.redirects;
    out = std::move(hop);
    out.final_url = std::string(current.buffer());
    if (!out.ok() || !IsRedirect(out.status)) break;
    const std::string location(out.Header("Location"));
    if (location.empty()) break;
    ++out.redirects;
    if (!options.follow_redirects) break;
    if (out.redirects > options.max_redirects) {
      Fail(out, ErrorKind::kTooManyRedirects, "stopped after " + std::to_string(options.max_redirects) + " redirects");
      break;
    }
    auto ref = urls::parse_uri_reference(location);
    urls::url next;
    if (!ref || !urls::resolve(current, *ref, next)) {
      Fail(out, ErrorKind::kInvalidRequest, "redirect to an invalid Location \"" + location + "\"");
      break;
    }
    next.remove_fragment();
    // Go's rules: 301/302/303 turn into GET without a body (HEAD stays HEAD); 307/308 keep both.
    if ((out.status == 301 || out.status == 302 || out.status == 303) && method != "GET" && method != "HEAD") {
      method = "GET";
      body.clear();
      std::erase_if(headers, [](const auto& h) {
        return EqualsIgnoreCase(h.first, "Content-Type") || EqualsIgnoreCase(h.first, "Content-Length");
      });
    }
    // Credentials are not sent on to another host, nor in clear text after an https -> http hop.
    const bool downgraded =
        current.scheme_id() == boost::urls::scheme::https && next.scheme_id() != boost::urls::scheme::https;
    if (downgraded || next.encoded_host_and_port() != current.encoded_host_and_port()) {
      std::erase_if(headers, [](const auto& h) {
        return EqualsIgnoreCase(h.first, "Authorization") || EqualsIgnoreCase(h.first, "Cookie");
      });
    }
    current = std::move(next);
  }
  out.timing.total = Seconds(Steady::now() - start);
  co_return out;
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  return "Basic " + Base64(std::string(user) + ":" + std::string(password));
}

}  // namespace runbookd::http_client
