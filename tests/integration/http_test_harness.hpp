#pragma once

// Test helpers for daemon/http: a Server on 127.0.0.1:0 with its own io_context thread and a
// captured log, a blocking raw TCP client whose every wait is bounded, and promtool.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "daemon/http/server.hpp"

namespace runbookd::http::testing {

using namespace std::chrono_literals;

// Polls `done` until it holds or `bound` passes; the result says which. The wait between polls
// only paces the loop; the outcome is decided by the state polled.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// promtool's verdict on text-format input: 0 clean, 3 lint problems, 1 unparsable.
inline int Promtool(const std::string& text, std::string& output) {
  char dir[] = "/tmp/runbookd-promtool-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string in = std::string(dir) + "/metrics.txt", out = std::string(dir) + "/out.txt";
  std::ofstream(in) << text;
  const int rc = std::system(("promtool check metrics < " + in + " > " + out + " 2>&1").c_str());
  std::ifstream result(out);
  output.assign(std::istreambuf_iterator<char>(result), {});
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(dir);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Value of the unlabelled sample line "name value" of text-format `body`; NaN when absent.
inline double Sample(const std::string& body, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const size_t at = ("\n" + body).find(key);
  if (at == std::string::npos) return std::nan("");
  return std::strtod(body.c_str() + at + key.size() - 1, nullptr);
}

class ServerHarness {
 public:
  explicit ServerHarness(ServerOptions opts, std::shared_ptr<const Router> router = nullptr)
      : log_stream_(std::make_shared<std::ostringstream>()),
        logger_(std::make_shared<spdlog::logger>("http-test",
                                                 std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_stream_))),
        work_(io_.get_executor()) {
    logger_->set_level(spdlog::level::trace);
    if (opts.listen == ServerOptions{}.listen) opts.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(io_.get_executor(), std::move(opts), logger_);
    auto err = server_->Listen();
    INFO((err ? err->message : std::string()));
    REQUIRE(!err);
    if (router) server_->SetRouter(std::move(router));
    thread_ = std::thread([this] { io_.run(); });
  }

  ~ServerHarness() {
    OnLoop([this] {
      server_->Stop();
      return 0;
    });
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  // Runs `f` on the server's thread and returns its result.
  template <class F>
  auto OnLoop(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  boost::asio::io_context& io() { return io_; }
  size_t OpenConnections() {
    return OnLoop([this] { return server_->open_connections(); });
  }
  // Everything logged so far (read on the server thread, where the log is written).
  std::string Logs() {
    return OnLoop([this] {
      logger_->flush();
      return log_stream_->str();
    });
  }

 private:
  boost::asio::io_context io_;
  std::shared_ptr<std::ostringstream> log_stream_;
  std::shared_ptr<spdlog::logger> logger_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// A blocking TCP client on 127.0.0.1 whose reads are bounded by poll().
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `needle` has arrived, the peer closed, or `bound` passed. True if the needle came.
  bool ReadUntil(std::string_view needle, std::chrono::milliseconds bound = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (received_.find(needle) == std::string::npos) {
      if (closed_ || !ReadSome(until)) return received_.find(needle) != std::string::npos;
    }
    return true;
  }

  // Reads until the peer closes (EOF or reset) or `bound` passes. True if it closed.
  bool ReadUntilClosed(std::chrono::milliseconds bound = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!closed_) {
      if (!ReadSome(until)) break;
    }
    return closed_;
  }

  // Whether the peer has closed, looking without waiting.
  bool PeerClosedNow() {
    ReadSome(std::chrono::steady_clock::now());
    return closed_;
  }

 private:
  // One poll+recv; false when the time is up.
  bool ReadSome(std::chrono::steady_clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return true;
    }
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

}  // namespace runbookd::http::testing
