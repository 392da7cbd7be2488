#pragma once

// Helpers for the tcp and tls_cert probe tests: build a probe from YAML, run it once on its own
// io_context, and a scripted line server (plain or with a server-side STARTTLS) on 127.0.0.1:0
// whose every wait is bounded.

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "config/node.hpp"
#include "daemon/core/registry.hpp"

namespace runbookd::probetest {

using namespace std::chrono_literals;

struct Outcome {
  ProbeResult result;
  std::chrono::milliseconds elapsed{0};
};

inline Outcome RunOnce(const Probe& probe, std::chrono::milliseconds timeout = 3s) {
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  ProbeContext ctx{io.get_executor(), start + timeout};
  Outcome out;
  bool finished = false;
  boost::asio::co_spawn(io, probe.Run(ctx), [&](std::exception_ptr e, ProbeResult r) {
    finished = !e;
    out.result = std::move(r);
  });
  io.run();
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  REQUIRE(finished);  // Run never lets an exception out
  return out;
}

// Runs the probe with a far deadline but cancels it after `cancel_after`, as the core does when
// its own deadline timer wins the race. Returns how long until the io_context had nothing left
// to run: the probe must stop, and leave nothing pending, right away.
inline std::chrono::milliseconds RunCancelled(const Probe& probe, std::chrono::milliseconds cancel_after) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  ProbeContext ctx{io.get_executor(), start + 30s};
  boost::asio::steady_timer timer(io, start + cancel_after);
  bool timer_won = false;
  boost::asio::co_spawn(
      io, probe.Run(ctx) || timer.async_wait(boost::asio::use_awaitable),
      [&](std::exception_ptr e, std::variant<ProbeResult, std::monostate> r) { timer_won = !e && r.index() == 1; });
  io.run();
  REQUIRE(timer_won);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// Builds a probe from a spec; REQUIREs a clean config.
inline std::unique_ptr<Probe> BuildProbe(const ProbeFactory& factory, const std::string& yaml,
                                         const ProbeDeps& deps = {}) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  auto probe = factory(doc.root(), deps);
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(probe);
  return probe;
}

// The errors a spec gives, formatted.
template <typename Factory>
std::string ConfigErrors(const Factory& factory, const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  (void)factory(doc.root(), ProbeDeps{});
  doc.CheckUnknownKeys();
  return diags.Format();
}

// Builds the /probe probe of a blackbox module block for `target`.
inline std::unique_ptr<Probe> BuildModuleProbe(const ModuleFactory& factory, const std::string& yaml,
                                               const std::string& target) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "blackbox.yml", diags);
  auto builder = factory(doc.root(), ProbeDeps{});
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(builder);
  std::string error;
  auto probe = builder(target, error);
  INFO(error);
  REQUIRE(probe);
  return probe;
}

inline double Observed(const ProbeResult& r, std::string_view name) {
  const double* v = r.Find(name);
  INFO("observation " << name);
  REQUIRE(v != nullptr);
  return *v;
}

// One accepted connection of a ScriptedServer, seen from the server side. Reads wait at most
// 5 s (bounded so that a broken probe cannot hang the test).
class ScriptedConnection {
 public:
  explicit ScriptedConnection(int fd) : fd_(fd) {}
  ~ScriptedConnection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }

  void Send(const std::string& text) {
    if (ssl_ != nullptr) {
      SSL_write(ssl_, text.data(), static_cast<int>(text.size()));
    } else {
      (void)!send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
    }
  }

  // The next line without its "\n" / "\r\n"; nullopt at EOF, on error or after 5 s.
  std::optional<std::string> ReadLine() {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1) return std::nullopt;
      }
      char chunk[1024];
      const int n =
          ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : static_cast<int>(recv(fd_, chunk, sizeof chunk, 0));
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Waits until the client closes (or 5 s pass).
  void WaitForClose() {
    while (ReadLine()) {
    }
  }

  // Server side of a TLS handshake on this connection; false when it fails.
  bool StartTls(const std::string& chain_file, const std::string& key_file) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx_, chain_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return false;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return false;
    return SSL_accept(ssl_) == 1;
  }

 private:
  int fd_;
  std::string buffer_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// A TCP server on 127.0.0.1:0 that runs `script` for each connection, one after another, on
// its own thread, and closes the connection when the script returns.
class ScriptedServer {
 public:
  using Script = std::function<void(ScriptedConnection&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listen_fd_, 16) == 0);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;  // shut down
        {
          ScriptedConnection connection(fd);
          script_(connection);
        }
        close(fd);
      }
    });
  }
  ~ScriptedServer() {
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(listen_fd_);
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  uint16_t port() const { return port_; }
  std::string address(const std::string& host = "127.0.0.1") const { return host + ":" + std::to_string(port_); }

 private:
  Script script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace runbookd::probetest
