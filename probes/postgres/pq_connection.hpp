#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/descriptor_base.hpp>
#include <boost/system/error_code.hpp>

#include "daemon/core/clock.hpp"
#include "probes/postgres/postgres_config.hpp"
#include "probes/postgres/pq_outcome.hpp"

typedef struct pg_conn PGconn;

namespace runbookd::postgres {

// One libpq connection that never blocks the event loop: libpq's non-blocking connect and
// asynchronous query calls do the protocol, Asio waits on libpq's socket, and every wait ends by
// the deadline it is given. A cancelled coroutine throws operation_aborted at its next wait;
// the destructor then closes the connection.
class PqConnection {
 public:
  explicit PqConnection(boost::asio::any_io_executor executor);
  ~PqConnection();
  PqConnection(const PqConnection&) = delete;
  PqConnection& operator=(const PqConnection&) = delete;

  // PQconnectStartParams, then PQconnectPoll until the connection is made, fails, or the
  // deadline passes. Call once.
  boost::asio::awaitable<ConnectOutcome> Connect(const ConnectionKeywords& keywords, SteadyTime deadline);

  // Sends one statement on the connected session and returns the first row of its result.
  boost::asio::awaitable<QueryOutcome> QueryRow(const char* sql, SteadyTime deadline);

 private:
  // Waits until libpq's current socket is ready for `what`. boost::asio::error::timed_out when
  // the deadline passes first.
  boost::asio::awaitable<boost::system::error_code> WaitSocket(boost::asio::posix::descriptor_base::wait_type what,
                                                               SteadyTime deadline);
  // The query's results until libpq has none left; the first row of the first one is kept.
  boost::asio::awaitable<QueryOutcome> CollectResults(SteadyTime deadline);

  boost::asio::any_io_executor executor_;
  PGconn* conn_ = nullptr;
};

}  // namespace runbookd::postgres
