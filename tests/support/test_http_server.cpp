#include "tests/support/test_http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace runbookd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct TestHttpServerState {
  // Declared before the io_context so that they outlive the connection coroutines it destroys.
  TestHttpServer::Handler handler;
  std::optional<asio::ssl::context> ssl;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
};

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string PeerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return {};
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  X509_free(cert);
  return buf;
}

// Serves requests on one connection until the client closes or asks to close.
template <class Stream>
asio::awaitable<void> ServeRequests(Stream& stream, const TestHttpServer::Handler& handler, std::atomic<int>& served,
                                    bool tls, std::string client_subject) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, asio::use_awaitable);
    TestRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& field : req) in.headers[Lower(field.name_string())] = std::string(field.value());
    in.body = req.body();
    in.tls = tls;
    in.client_cert_subject = client_subject;
    TestResponse out = handler(in);
    if (out.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, out.delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    for (const auto& [name, value] : out.headers) res.set(name, value);
    res.body() = std::move(out.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    ++served;
    co_await http::async_write(stream, res, asio::use_awaitable);
    if (!res.keep_alive()) break;
  }
}

asio::awaitable<void> Session(tcp::socket socket, TestHttpServerState* impl, std::atomic<int>* served,
                              std::atomic<int>* failed) {
  if (!impl->ssl) {
    co_await ServeRequests(socket, impl->handler, *served, false, {});
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *impl->ssl);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    ++*failed;
    co_return;
  }
  co_await ServeRequests(stream, impl->handler, *served, true, PeerSubject(stream.native_handle()));
  co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> Accept(TestHttpServerState* impl, std::atomic<int>* served, std::atomic<int>* failed) {
  for (;;) {
    auto [ec, socket] = co_await impl->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // closed
    asio::co_spawn(impl->ioc, Session(std::move(socket), impl, served, failed), asio::detached);
  }
}

}  // namespace

TestHttpServer::TestHttpServer(Handler handler, std::optional<TestServerTls> tls)
    : impl_(std::make_unique<TestHttpServerState>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    tls_ = true;
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    impl_->ssl->use_certificate_chain_file(tls->cert_file);
    impl_->ssl->use_private_key_file(tls->key_file, asio::ssl::context::pem);
    if (!tls->client_ca_file.empty()) {
      impl_->ssl->load_verify_file(tls->client_ca_file);
      impl_->ssl->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, Accept(impl_.get(), &requests_, &handshakes_failed_), asio::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string TestHttpServer::Url(std::string_view path, std::string_view host) const {
  return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port_) +
         std::string(path);
}

// ---- BlackholeListener ----

namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Starts a non-blocking connect and says whether it completed within `wait_ms`.
// The socket is returned in `fd_out` either way.
bool ConnectsWithin(uint16_t port, int wait_ms, int* fd_out) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  *fd_out = fd;
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, wait_ms) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

}  // namespace

BlackholeListener::BlackholeListener() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("BlackholeListener: socket failed");
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 0) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("BlackholeListener: bind/listen failed");
  }
  port_ = ntohs(addr.sin_port);
  // Fill the accept queue one connection at a time until a connect no longer completes.
  for (int i = 0; i < 16; ++i) {
    int fd = -1;
    const bool connected = ConnectsWithin(port_, 300, &fd);
    if (connected) {
      filler_fds_.push_back(fd);
      continue;
    }
    if (fd >= 0) close(fd);
    works_ = !filler_fds_.empty();
    break;
  }
}

BlackholeListener::~BlackholeListener() {
  for (int fd : filler_fds_) close(fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

uint16_t RefusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace runbookd::testing
