#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runbookd::testing {

struct TestHttpServerState;  // defined in the .cpp

struct TestRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool tls = false;
  std::string client_cert_subject;  // set when the client presented a certificate
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The server waits this long (on a timer, other connections keep being served) before answering.
  std::chrono::milliseconds delay{0};
};

struct TestServerTls {
  std::string cert_file;       // PEM chain the server presents
  std::string key_file;        // its key
  std::string client_ca_file;  // when set, a client certificate signed by this CA is required
};

// An HTTP/1.1 (or HTTPS) server on 127.0.0.1:0 with its own io_context and thread. The handler
// runs on that thread, so whatever it shares with the test must be thread-safe.
class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  explicit TestHttpServer(Handler handler, std::optional<TestServerTls> tls = std::nullopt);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/path" (https when TLS is on); `host` replaces 127.0.0.1 if given.
  std::string Url(std::string_view path = "/", std::string_view host = "127.0.0.1") const;
  int requests_served() const { return requests_.load(); }
  int handshakes_failed() const { return handshakes_failed_.load(); }

 private:
  std::unique_ptr<TestHttpServerState> impl_;
  uint16_t port_ = 0;
  bool tls_ = false;
  std::atomic<int> requests_{0};
  std::atomic<int> handshakes_failed_{0};
};

// A TCP port on 127.0.0.1 that never answers a SYN: a listener with backlog 0 whose accept
// queue is filled by connections that are never accepted, so the kernel drops further SYNs and
// a client's connect hangs until its own deadline, like a firewalled address. The constructor
// checks that a fresh connect really hangs (`works()` says whether it did).
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  BlackholeListener(const BlackholeListener&) = delete;
  BlackholeListener& operator=(const BlackholeListener&) = delete;

  uint16_t port() const { return port_; }
  bool works() const { return works_; }

 private:
  int listen_fd_ = -1;
  std::vector<int> filler_fds_;
  uint16_t port_ = 0;
  bool works_ = false;
};

// A TCP port on 127.0.0.1 where nothing listens: connecting to it is refused. (Bound to find a
// free port, then closed; another process could take it meanwhile, which tests tolerate.)
uint16_t RefusedPort();

}  // namespace runbookd::testing
