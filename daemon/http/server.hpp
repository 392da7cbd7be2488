#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "daemon/http/router.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::http {
namespace detail {
struct ServerState;
}

struct ServerOptions {
  std::string listen = "127.0.0.1:8474";  // "host:port", "[v6]:port" or ":port" (all interfaces)
  // Both set: the port speaks HTTPS only (never plain HTTP beside it, so tokens never travel in clear).
  std::optional<std::string> tls_cert_file, tls_key_file;
  size_t max_header_bytes = 16 * 1024;  // request line + fields; over it: 413 header_too_large
  size_t max_body_bytes = 1024 * 1024;  // over it: 413 body_too_large
  size_t max_connections = 256;         // beyond it new connections get 503 too_many_connections
  // A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{30000};
  // Budget for the TLS handshake, for reading a whole request from its first byte, and for
  // writing the response. Headers trickling in (slowloris) are cut off when it runs out.
  std::chrono::milliseconds request_timeout{10000};
};

struct ListenError {
  std::error_code code;
  std::string message;  // one line, e.g. "listen 127.0.0.1:8474: Address already in use"
};

// HTTP/1.1 server (Beast) with keep-alive and optional TLS. Everything runs on the one executor
// given, so no locks; call every member from that executor's thread (or before it runs). Errors
// are answered as JSON {"error", "code"}.
class Server {
 public:
  Server(boost::asio::any_io_executor ex, ServerOptions opts, std::shared_ptr<spdlog::logger> log);
  ~Server();  // Stop()s; connections still open finish on their own
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files, binds and listens synchronously, so a bad address, a port in use or an
  // unreadable certificate is reported at start-up; then accepts in the background.
  std::optional<ListenError> Listen();
  uint16_t port() const;  // the bound port (listen "127.0.0.1:0" picks a free one); 0 before Listen

  // Swapped on reload; a request keeps the router it started with until it is answered. Until a
  // router is set every request gets 503 not_ready.
  void SetRouter(std::shared_ptr<const Router> router);

  // Stops accepting and closes connections waiting for a request; a request being read or
  // handled is finished and answered with "Connection: close".
  void Stop();

  // Connections held now (including ones being refused with 503). Reaches 0 after Stop once
  // in-flight requests are answered.
  size_t open_connections() const;

 private:
  // Shared with the accept loop and the connections, which may outlive this object briefly.
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace runbookd::http
