#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/clients/tls/tls.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::tcp {

// One TCP connection, optionally upgraded to TLS (at once, or later for STARTTLS), where every
// operation ends by the deadline it is given. A deadline that passes makes the operation fail
// with boost::asio::error::timed_out; the coroutine's cancellation gives operation_aborted.
class Connection {
 public:
  explicit Connection(boost::asio::any_io_executor executor);
  ~Connection();

  boost::asio::awaitable<boost::system::error_code> Connect(const boost::asio::ip::tcp::endpoint& endpoint,
                                                            SteadyTime deadline);

  // TLS handshake on the connected socket: SNI and verification of the chain and of
  // `server_name` as in runbookd::tls (unless insecure_skip_verify). On failure other than the
  // deadline or cancellation, `failure` says why (certificate problems are classified).
  boost::asio::awaitable<boost::system::error_code> StartTls(boost::asio::ssl::context& context,
                                                             const std::string& server_name, bool insecure_skip_verify,
                                                             SteadyTime deadline, tls::HandshakeFailure& failure);

  // One line, as Go's bufio.Scanner splits them: without "\n" or "\r\n"; the last line may end
  // at EOF. error::eof when the peer closed and no line is left; message_size when a line
  // exceeds 64 KiB.
  boost::asio::awaitable<boost::system::error_code> ReadLine(std::string& line, SteadyTime deadline);
  boost::asio::awaitable<boost::system::error_code> Write(std::string_view data, SteadyTime deadline);

  // Forgets data read but not yet returned (blackbox starts a new scanner after STARTTLS).
  void DiscardBuffered() { buffer_.clear(); }
  // The TLS session after StartTls, else nullptr.
  const SSL* ssl() const;

 private:
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::string buffer_;
  bool eof_ = false;
};

// Why a connect failed, as a probe reason: refused, timeout, or any other network failure.
ProbeReason ConnectFailureReason(const boost::system::error_code& ec);

}  // namespace runbookd::tcp
