#include "daemon/http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <exception>
#include <map>
#include <utility>

namespace runbookd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// How long a closing connection may take to send us its remaining bytes, so that the peer reads
// our last response instead of a reset caused by unread data.
constexpr std::chrono::milliseconds kMaxLinger{1000};
// Connections being refused with 503 at once, beyond which further ones are just closed.
constexpr size_t kMaxRejecting = 64;

std::string EndpointText(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

struct HostPort {
  std::string host, port;
};

std::optional<HostPort> SplitHostPort(const std::string& listen) {
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') return std::nullopt;
    return HostPort{listen.substr(1, close - 1), listen.substr(close + 2)};
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || listen.find(':') != colon) return std::nullopt;
  return HostPort{listen.substr(0, colon), listen.substr(colon + 1)};
}

std::optional<uint16_t> ParsePort(const std::string& text) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

ListenError Failure(std::error_code code, std::string message) { return ListenError{code, std::move(message)}; }

// Request as the router sees it; nullopt when the target is not an origin-form URI.
std::optional<Request> ToRequest(bhttp::request<bhttp::string_body>&& msg, const std::string& remote) {
  const auto target = msg.target();
  auto url = boost::urls::parse_origin_form(std::string_view(target.data(), target.size()));
  if (!url) return std::nullopt;
  Request r;
  r.method = std::string(msg.method_string());
  r.path = url->path();
  for (const auto& param : url->params()) r.query.try_emplace(param.key, param.has_value ? param.value : std::string());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    auto [it, fresh] = r.headers.try_emplace(std::move(name), std::string(field.value()));
    if (!fresh) it->second += ", " + std::string(field.value());
  }
  r.body = std::move(msg.body());
  r.remote = remote;
  return r;
}

beast::tcp_stream& Lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& Lowest(beast::ssl_stream<beast::tcp_stream>& s) { return beast::get_lowest_layer(s); }

}  // namespace

namespace detail {
// What a session exposes to Server::Stop.
struct SessionControl {
  bool idle = false;             // waiting for the first byte of a request
  std::function<void()> cancel;  // aborts the pending operation
};

struct ServerState {
  ServerState(asio::any_io_executor e, ServerOptions o, std::shared_ptr<spdlog::logger> l)
      : ex(std::move(e)), opts(std::move(o)), log(std::move(l)), acceptor(ex) {}

  asio::any_io_executor ex;
  ServerOptions opts;
  std::shared_ptr<spdlog::logger> log;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  std::shared_ptr<const Router> router;
  uint16_t port = 0;
  bool stopping = false;
  size_t serving = 0;    // counted against max_connections
  size_t rejecting = 0;  // being answered 503
  uint64_t next_session = 0;
  std::map<uint64_t, SessionControl*> sessions;
};
}  // namespace detail
using detail::ServerState;
using detail::SessionControl;

namespace {

using StatePtr = std::shared_ptr<ServerState>;

template <class Stream>
asio::awaitable<beast::error_code> Write(const StatePtr& s, Stream& stream, const Response& r, bool keep_alive,
                                         unsigned version, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "runbookd");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  if (head) res.body().clear();  // HEAD: Content-Length of the body that a GET would get, no body
  Lowest(stream).expires_after(s->opts.request_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, res, kUseTuple);
  co_return ec;
}

// Half-closes, then reads whatever the peer still sends until it closes or kMaxLinger passes, so
// the peer sees our last response rather than a reset.
asio::awaitable<void> CloseGracefully(const StatePtr& s, beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::min(s->opts.request_timeout, kMaxLinger));
  std::array<char, 4096> sink;
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
    if (ec) break;
  }
  stream.close();
}

asio::awaitable<void> CloseGracefully(const StatePtr& s, beast::ssl_stream<beast::tcp_stream>& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(std::min(s->opts.request_timeout, kMaxLinger));
  co_await stream.async_shutdown(kUseTuple);  // close_notify; a peer that just closes is fine too
  lowest.close();
}

template <class Stream>
asio::awaitable<void> AnswerAndClose(const StatePtr& s, Stream& stream, const std::string& remote, unsigned status,
                                     std::string code, std::string message) {
  s->log->debug("http {} closing with {} {}", remote, status, code);
  // A named response, not a temporary inside co_await: GCC 12 may destroy such temporaries twice.
  const Response response = Response::Error(status, std::move(code), std::move(message));
  co_await Write(s, stream, response, false, 11, false);
  co_await CloseGracefully(s, stream);
}

// Answers a failed request read. Only the connection's own problems end up here.
template <class Stream>
asio::awaitable<void> OnReadError(const StatePtr& s, Stream& stream, const std::string& remote, beast::error_code ec) {
  if (ec == bhttp::error::header_limit) {
    co_await AnswerAndClose(s, stream, remote, 413, "header_too_large",
                            "request header exceeds " + std::to_string(s->opts.max_header_bytes) + " bytes");
  } else if (ec == bhttp::error::body_limit) {
    co_await AnswerAndClose(s, stream, remote, 413, "body_too_large",
                            "request body exceeds " + std::to_string(s->opts.max_body_bytes) + " bytes");
  } else if (ec == beast::error::timeout) {
    // Beast closed the socket already: nothing can be answered.
    s->log->debug("http {} cut off: request not complete within {} ms", remote, s->opts.request_timeout.count());
  } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
             ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
             ec == asio::ssl::error::stream_truncated) {
    // The peer went away (or Stop cancelled us).
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    // The parser refused the request: bad method, target, version, field, chunk, ...
    co_await AnswerAndClose(s, stream, remote, 400, "bad_request", "malformed request: " + ec.message());
  } else {
    s->log->debug("http {} read failed: {}", remote, ec.message());
  }
}

template <class Stream>
asio::awaitable<void> Serve(StatePtr s, Stream& stream, SessionControl& ctl, const std::string& remote, bool reject) {
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      // Idle until the request's first byte: a fresh connection gets request_timeout, a kept-alive
      // one idle_timeout. Stop() cancels this wait.
      if (s->stopping) break;
      ctl.idle = true;
      Lowest(stream).expires_after(first ? s->opts.request_timeout : s->opts.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
      ctl.idle = false;
      if (ec) co_return;  // timeout, close, reset or Stop: nothing to answer
      buffer.commit(n);
    }
    first = false;

    const auto started = Clock::now();
    Lowest(stream).expires_after(s->opts.request_timeout);  // the whole request, from its first byte
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(s->opts.max_header_bytes, UINT32_MAX)));
    parser.body_limit(s->opts.max_body_bytes);
    if (auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple); ec) {
      co_await OnReadError(s, stream, remote, ec);
      co_return;
    }
    if (reject) {
      co_await AnswerAndClose(s, stream, remote, 503, "too_many_connections",
                              "too many open connections (limit " + std::to_string(s->opts.max_connections) + ")");
      co_return;
    }
    if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
      if (auto [ec, n] = co_await bhttp::async_write(stream, go_on, kUseTuple); ec) co_return;
    }
    if (!parser.is_done()) {
      if (auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple); ec) {
        co_await OnReadError(s, stream, remote, ec);
        co_return;
      }
    }

    auto msg = parser.release();
    const unsigned version = msg.version();
    const bool head = msg.method() == bhttp::verb::head;
    bool keep_alive = msg.keep_alive();
    auto request = ToRequest(std::move(msg), remote);
    Response response;
    if (!request) {
      response = Response::Error(400, "bad_request", "malformed request target");
      keep_alive = false;
    } else if (auto router = s->router) {  // held until answered, across a reload
      response = co_await router->Dispatch(*request);
    } else {
      response = Response::Error(503, "not_ready", "not ready yet");
    }
    keep_alive = keep_alive && !s->stopping;

    const auto ec = co_await Write(s, stream, response, keep_alive, version, head);
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    // The path only: a query string may carry what its author did not mean to have logged.
    s->log->debug("http {} {} {} {} {:.1f}ms{}{}", remote, request ? request->method : "-",
                  request ? request->path : "-", response.status, ms,
                  request && !request->token_name.empty() ? " token=" : "", request ? request->token_name : "");
    if (ec) co_return;
    if (!keep_alive) break;
  }
  co_await CloseGracefully(s, stream);
}

asio::awaitable<void> RunSession(StatePtr s, tcp::socket socket, bool reject) {
  beast::error_code ignored;
  const std::string remote = EndpointText(socket.remote_endpoint(ignored));
  SessionControl ctl;
  const uint64_t id = s->next_session++;
  s->sessions.emplace(id, &ctl);
  ++(reject ? s->rejecting : s->serving);
  struct Unregister {
    StatePtr s;
    uint64_t id;
    bool reject;
    ~Unregister() {
      s->sessions.erase(id);
      --(reject ? s->rejecting : s->serving);
    }
  } unregister{s, id, reject};

  try {
    beast::tcp_stream tcp(std::move(socket));
    if (!s->tls) {
      ctl.cancel = [&tcp] { tcp.cancel(); };
      co_await Serve(s, tcp, ctl, remote, reject);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *s->tls);
    ctl.cancel = [&tls] { beast::get_lowest_layer(tls).cancel(); };
    beast::get_lowest_layer(tls).expires_after(s->opts.request_timeout);
    if (auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kUseTuple); ec) {
      s->log->debug("http {} TLS handshake failed: {}", remote, ec.message());
      co_return;
    }
    co_await Serve(s, tls, ctl, remote, reject);
  } catch (const std::exception& e) {
    s->log->error("http {} connection failed: {}", remote, e.what());
  }
}

asio::awaitable<void> AcceptLoop(StatePtr s) {
  asio::steady_timer backoff(s->ex);
  while (!s->stopping) {
    auto [ec, socket] = co_await s->acceptor.async_accept(kUseTuple);
    if (s->stopping || ec == asio::error::operation_aborted || !s->acceptor.is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: do not spin; the connections waiting get their turn.
      s->log->warn("http accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    const bool reject = s->serving >= s->opts.max_connections;
    if (reject && s->rejecting >= kMaxRejecting) {
      socket.close(ec);
      continue;
    }
    asio::co_spawn(s->ex, RunSession(s, std::move(socket), reject), asio::detached);
  }
}

}  // namespace

Server::Server(asio::any_io_executor ex, ServerOptions opts, std::shared_ptr<spdlog::logger> log) {
  if (!log) log = std::make_shared<spdlog::logger>("runbookd.http");  // no sinks: discards
  state_ = std::make_shared<ServerState>(std::move(ex), std::move(opts), std::move(log));
}

Server::~Server() { Stop(); }

std::optional<ListenError> Server::Listen() {
  ServerState& s = *state_;
  const std::string& listen = s.opts.listen;
  const auto invalid = std::make_error_code(std::errc::invalid_argument);

  if (s.opts.tls_cert_file.has_value() != s.opts.tls_key_file.has_value()) {
    return Failure(invalid, "TLS needs both a certificate file and a key file");
  }
  if (s.opts.tls_cert_file) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
    beast::error_code ec;
    ctx.use_certificate_chain_file(*s.opts.tls_cert_file, ec);
    if (ec) return Failure(ec, "TLS certificate " + *s.opts.tls_cert_file + ": " + ec.message());
    ctx.use_private_key_file(*s.opts.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return Failure(ec, "TLS key " + *s.opts.tls_key_file + ": " + ec.message());
    s.tls.emplace(std::move(ctx));
  }

  const auto hp = SplitHostPort(listen);
  const auto port = hp ? ParsePort(hp->port) : std::nullopt;
  if (!port) return Failure(invalid, "listen " + listen + ": expected host:port");
  beast::error_code ec;
  tcp::endpoint endpoint;
  if (hp->host.empty()) {
    endpoint = tcp::endpoint(tcp::v4(), *port);
  } else if (auto addr = asio::ip::make_address(hp->host, ec); !ec) {
    endpoint = tcp::endpoint(addr, *port);
  } else {
    // A name such as "localhost": resolved once, at start-up, blocking is fine here.
    tcp::resolver resolver(s.ex);
    auto results = resolver.resolve(hp->host, hp->port, ec);
    if (ec || results.empty()) return Failure(ec, "listen " + listen + ": cannot resolve " + hp->host);
    endpoint = results.begin()->endpoint();
  }

  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return Failure(ec, "listen " + listen + ": " + ec.message());
  }
  s.port = s.acceptor.local_endpoint(ec).port();
  s.log->info("http listening on {} ({})", EndpointText(s.acceptor.local_endpoint(ec)), s.tls ? "https" : "http");
  asio::co_spawn(s.ex, AcceptLoop(state_), asio::detached);
  return std::nullopt;
}

uint16_t Server::port() const { return state_->port; }

void Server::SetRouter(std::shared_ptr<const Router> router) { state_->router = std::move(router); }

void Server::Stop() {
  ServerState& s = *state_;
  if (s.stopping) return;
  s.stopping = true;
  beast::error_code ignored;
  s.acceptor.close(ignored);
  // Cancelling only schedules the sessions' completions, so the map is not changed under us.
  for (auto& [id, ctl] : s.sessions) {
    if (ctl->idle && ctl->cancel) ctl->cancel();
  }
}

size_t Server::open_connections() const { return state_->serving + state_->rejecting; }

}  // namespace runbookd::http
