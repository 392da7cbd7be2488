#include "probes/tcp/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <tuple>
#include <variant>

namespace runbookd::tcp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kMaxLine = 64 * 1024;  // bufio.MaxScanTokenSize

// Races `op` (which yields a tuple starting with an error_code) against a timer at `deadline`.
// The loser is cancelled and awaited, so nothing outlives this call. The deadline gives
// error::timed_out; cancellation of the caller gives operation_aborted.
template <typename... Rest>
asio::awaitable<std::tuple<error_code, Rest...>> BeforeDeadline(asio::awaitable<std::tuple<error_code, Rest...>> op,
                                                                SteadyTime deadline) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto result = co_await (std::move(op) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (result.index() == 0) co_return std::get<0>(std::move(result));
  std::tuple<error_code, Rest...> out{};
  const error_code timer_ec = std::get<0>(std::get<1>(result));
  std::get<0>(out) = timer_ec ? timer_ec : error_code(asio::error::timed_out);
  co_return out;
}

}  // namespace

Connection::Connection(asio::any_io_executor executor) : socket_(std::move(executor)) {}

Connection::~Connection() {
  error_code ignored;
  socket_.close(ignored);
}

const SSL* Connection::ssl() const { return tls_ ? tls_->native_handle() : nullptr; }

asio::awaitable<error_code> Connection::Connect(const asio::ip::tcp::endpoint& endpoint, SteadyTime deadline) {
  auto [ec] = co_await BeforeDeadline(socket_.async_connect(endpoint, asio::as_tuple(asio::use_awaitable)), deadline);
  co_return ec;
}

asio::awaitable<error_code> Connection::StartTls(asio::ssl::context& context, const std::string& server_name,
                                                 bool insecure_skip_verify, SteadyTime deadline,
                                                 tls::HandshakeFailure& failure) {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
  buffer_.clear();
  eof_ = false;
  if (error_code ec = tls::PrepareClientConnection(tls_->native_handle(), server_name, insecure_skip_verify)) {
    failure = {ProbeReason::kTlsError, "cannot set up TLS for \"" + server_name + "\": " + ec.message()};
    co_return ec;
  }
  auto [ec] = co_await BeforeDeadline(
      tls_->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable)), deadline);
  if (ec && ec != asio::error::timed_out && ec != asio::error::operation_aborted) {
    failure = tls::ClassifyHandshakeFailure(tls_->native_handle(), ec);
  }
  co_return ec;
}

asio::awaitable<error_code> Connection::ReadLine(std::string& line, SteadyTime deadline) {
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      line.assign(buffer_, 0, newline);
      buffer_.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return error_code();
    }
    if (buffer_.size() > kMaxLine) co_return asio::error::message_size;
    if (eof_) {
      if (buffer_.empty()) co_return asio::error::eof;
      line = std::move(buffer_);
      buffer_.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return error_code();
    }
    char chunk[4096];
    auto read = tls_ ? tls_->async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable))
                     : socket_.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    auto [ec, n] = co_await BeforeDeadline(std::move(read), deadline);
    buffer_.append(chunk, n);
    // A TLS peer that closes without close_notify (stream_truncated) has still ended its data.
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      eof_ = true;
    } else if (ec) {
      co_return ec;
    }
  }
}

asio::awaitable<error_code> Connection::Write(std::string_view data, SteadyTime deadline) {
  auto write = tls_ ? asio::async_write(*tls_, asio::buffer(data), asio::as_tuple(asio::use_awaitable))
                    : asio::async_write(socket_, asio::buffer(data), asio::as_tuple(asio::use_awaitable));
  auto [ec, n] = co_await BeforeDeadline(std::move(write), deadline);
  co_return ec;
}

ProbeReason ConnectFailureReason(const error_code& ec) {
  if (ec == asio::error::connection_refused) return ProbeReason::kConnectionRefused;
  if (ec == asio::error::timed_out) return ProbeReason::kTimeout;
  return ProbeReason::kConnectionFailed;
}

}  // namespace runbookd::tcp
