#include "probes/postgres/pq_connection.hpp"

#include <libpq-fe.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "probes/postgres/pq_diagnosis.hpp"

namespace runbookd::postgres {

namespace asio = boost::asio;
using boost::system::error_code;
using WaitType = asio::posix::descriptor_base::wait_type;

namespace {

// Asio's view of libpq's socket for one wait. libpq owns the descriptor and may replace it
// between polls (the next address, a retry without SSL), so it is wrapped afresh for every wait
// and released, never closed, afterwards.
class BorrowedSocket {
 public:
  BorrowedSocket(const asio::any_io_executor& executor, int fd) : descriptor_(executor, fd) {}
  ~BorrowedSocket() { descriptor_.release(); }
  BorrowedSocket(const BorrowedSocket&) = delete;
  BorrowedSocket& operator=(const BorrowedSocket&) = delete;

  asio::posix::stream_descriptor& descriptor() { return descriptor_; }

 private:
  asio::posix::stream_descriptor descriptor_;
};

ConnectStage StageOf(ConnStatusType status) {
  switch (status) {
    case CONNECTION_NEEDED:
    case CONNECTION_STARTED:
      return ConnectStage::kNetwork;
    case CONNECTION_SSL_STARTUP:
    case CONNECTION_GSS_STARTUP:
      return ConnectStage::kTls;
    default:
      return ConnectStage::kStartup;
  }
}

// A wait that ended neither ready nor at the deadline: the coroutine was cancelled
// (operation_aborted), or the descriptor could not be waited on. Either ends the run.
[[noreturn]] void ThrowWaitError(const error_code& ec) { throw boost::system::system_error(ec); }

void IgnoreNotice(void*, const char*) {}

void TakeFirstRow(const PGresult* result, QueryOutcome& outcome) {
  if (PQresultStatus(result) == PGRES_TUPLES_OK) {
    if (PQntuples(result) < 1) {
      outcome.message = "the query returned no row";
      return;
    }
    for (int column = 0; column < PQnfields(result); ++column) {
      if (PQgetisnull(result, 0, column)) {
        outcome.row.emplace_back(std::nullopt);
      } else {
        outcome.row.emplace_back(std::string(PQgetvalue(result, 0, column), PQgetlength(result, 0, column)));
      }
    }
    outcome.status = QueryOutcome::Status::kOk;
    return;
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  outcome.sqlstate = sqlstate != nullptr ? sqlstate : "";
  outcome.message = primary != nullptr ? primary : OneLine(PQresultErrorMessage(result));
}

}  // namespace

PqConnection::PqConnection(asio::any_io_executor executor) : executor_(std::move(executor)) {}

PqConnection::~PqConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

asio::awaitable<error_code> PqConnection::WaitSocket(WaitType what, SteadyTime deadline) {
  using namespace asio::experimental::awaitable_operators;
  const int fd = PQsocket(conn_);
  if (fd < 0) co_return asio::error::bad_descriptor;
  BorrowedSocket socket(executor_, fd);
  asio::steady_timer timer(executor_, deadline);
  auto ready = socket.descriptor().async_wait(what, asio::as_tuple(asio::use_awaitable));
  auto expired = timer.async_wait(asio::as_tuple(asio::use_awaitable));
  auto first = std::move(ready) || std::move(expired);
  auto result = co_await std::move(first);
  if (result.index() == 0) co_return std::get<0>(std::get<0>(result));
  const error_code timer_ec = std::get<0>(std::get<1>(result));
  co_return timer_ec ? timer_ec : error_code(asio::error::timed_out);
}

asio::awaitable<ConnectOutcome> PqConnection::Connect(const ConnectionKeywords& keywords, SteadyTime deadline) {
  std::vector<const char*> names;
  std::vector<const char*> values;
  for (const auto& [name, value] : keywords) {
    names.push_back(name.c_str());
    values.push_back(value.c_str());
  }
  names.push_back(nullptr);
  values.push_back(nullptr);

  ConnectOutcome outcome;
  conn_ = PQconnectStartParams(names.data(), values.data(), 0);
  if (conn_ == nullptr) {
    outcome.stage = ConnectStage::kParameters;
    outcome.message = "libpq could not allocate a connection";
    co_return outcome;
  }
  // Verbose messages carry the server's SQLSTATE, which tells its refusals apart. The first
  // server message can only arrive in a later poll, so this is in time.
  PQsetErrorVerbosity(conn_, PQERRORS_VERBOSE);
  // libpq prints server notices to stderr by default, which is the daemon's log.
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  if (PQstatus(conn_) == CONNECTION_BAD) {
    // Either the parameters were refused, or connect() failed at once (unreachable network).
    // libpq words every failed attempt "connection to server ..." (the daemon runs in the C
    // locale).
    outcome.message = PQerrorMessage(conn_);
    outcome.stage =
        outcome.message.starts_with("connection to server") ? ConnectStage::kNetwork : ConnectStage::kParameters;
    co_return outcome;
  }

  // libpq's documented loop; before the first poll, act as if it had asked to write.
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (true) {
    const WaitType what = polling == PGRES_POLLING_READING ? WaitType::wait_read : WaitType::wait_write;
    const error_code ec = co_await WaitSocket(what, deadline);
    if (ec == asio::error::timed_out) {
      outcome.status = ConnectOutcome::Status::kTimeout;
      outcome.stage = StageOf(PQstatus(conn_));
      co_return outcome;
    }
    if (ec) ThrowWaitError(ec);
    const ConnectStage stage = StageOf(PQstatus(conn_));
    polling = PQconnectPoll(conn_);
    if (polling == PGRES_POLLING_OK) {
      // From here on libpq must not wait either, not even for PQfinish's goodbye.
      PQsetnonblocking(conn_, 1);
      outcome.status = ConnectOutcome::Status::kConnected;
      co_return outcome;
    }
    if (polling == PGRES_POLLING_FAILED) {
      outcome.stage = stage;
      outcome.message = PQerrorMessage(conn_);
      outcome.password_needed = PQconnectionNeedsPassword(conn_) == 1;
      co_return outcome;
    }
  }
}

asio::awaitable<QueryOutcome> PqConnection::QueryRow(const char* sql, SteadyTime deadline) {
  QueryOutcome outcome;
  if (PQsendQuery(conn_, sql) != 1) {
    outcome.message = OneLine(PQerrorMessage(conn_));
    co_return outcome;
  }
  // A short statement leaves at once; PQflush only asks to wait when the socket buffer is full.
  for (int flushed = PQflush(conn_); flushed != 0; flushed = PQflush(conn_)) {
    if (flushed < 0) {
      outcome.message = OneLine(PQerrorMessage(conn_));
      co_return outcome;
    }
    const error_code ec = co_await WaitSocket(WaitType::wait_write, deadline);
    if (ec == asio::error::timed_out) {
      outcome.status = QueryOutcome::Status::kTimeout;
      co_return outcome;
    }
    if (ec) ThrowWaitError(ec);
  }
  co_return co_await CollectResults(deadline);
}

asio::awaitable<QueryOutcome> PqConnection::CollectResults(SteadyTime deadline) {
  QueryOutcome outcome;
  while (PQisBusy(conn_) == 1) {
    const error_code ec = co_await WaitSocket(WaitType::wait_read, deadline);
    if (ec == asio::error::timed_out) {
      outcome.status = QueryOutcome::Status::kTimeout;
      co_return outcome;
    }
    if (ec) ThrowWaitError(ec);
    if (PQconsumeInput(conn_) == 0) {
      outcome.message = OneLine(PQerrorMessage(conn_));
      co_return outcome;
    }
  }
  // Only the first result matters; the connection is closed right after, unread rest and all.
  PGresult* result = PQgetResult(conn_);
  if (result == nullptr) {
    outcome.message = "the server returned no result";
    co_return outcome;
  }
  TakeFirstRow(result, outcome);
  PQclear(result);
  co_return outcome;
}

}  // namespace runbookd::postgres
