#pragma once

#include <optional>
#include <string>
#include <vector>

namespace runbookd::postgres {

// Where in libpq's connection sequence something happened. libpq's own states are finer; the
// probe only needs to tell the network from TLS from the server's answer.
enum class ConnectStage {
  kParameters,  // libpq refused the parameters before trying (PQping's NO_ATTEMPT)
  kNetwork,     // the TCP (or Unix-socket) connect
  kTls,         // SSL (or GSS) negotiation
  kStartup,     // startup packet sent: authentication, then the server's verdict
};

// How a non-blocking connect ended. Cancellation is not an outcome: it throws, as every Asio
// operation of a cancelled coroutine does.
struct ConnectOutcome {
  enum class Status { kConnected, kFailed, kTimeout };
  Status status = Status::kFailed;
  ConnectStage stage = ConnectStage::kNetwork;  // where it failed or timed out
  // libpq's error message in verbose form ("FATAL:  28P01: password authentication failed...").
  // libpq never puts the password into it.
  std::string message;
  bool password_needed = false;  // the server asked for a password and none was configured
};

// How one query ended: the first row of its result, or why there is none.
struct QueryOutcome {
  enum class Status { kOk, kFailed, kTimeout };
  Status status = Status::kFailed;
  std::vector<std::optional<std::string>> row;  // text values; nullopt for NULL
  std::string sqlstate;                         // when the server reported the error
  std::string message;                          // for humans, one line
};

}  // namespace runbookd::postgres
