#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "config/secret.hpp"

namespace runbookd::postgres {

// ping: PQping's question (does the server accept connections?); query: log in, run a query,
// and look at connection usage and replica lag.
enum class ProbeMode { kPing, kQuery };

// What a postgres probe checks, from its spec (keys in probes/postgres/README.md).
struct PostgresCheck {
  std::string host;  // an IP address, a DNS name, or (starting with '/') a Unix-socket directory
  uint16_t port = 5432;
  std::string dbname = "postgres";
  std::string user;  // empty: libpq's default, the user the daemon runs as (ping mode only)
  std::optional<config::Secret> password;
  ProbeMode mode = ProbeMode::kPing;
  std::string sslmode = "prefer";
  std::string sslrootcert;
  std::optional<std::chrono::milliseconds> max_replica_lag;
  int64_t connection_headroom = 0;

  bool unix_socket() const { return !host.empty() && host.front() == '/'; }
};

// A `type: postgres` spec; nullopt when it has errors.
std::optional<PostgresCheck> ReadPostgresSpec(const config::Node& spec);

// libpq connection keywords and values, in order. The values include the password: never log,
// format or keep them beyond the connect.
using ConnectionKeywords = std::vector<std::pair<std::string, std::string>>;

// The keywords for one connect to `hostaddr` (the resolved address; empty for a Unix socket).
// What the spec decides is given explicitly; connect_timeout is left out, since PQconnectPoll
// ignores it (the probe's own deadline applies).
ConnectionKeywords MakeConnectionKeywords(const PostgresCheck& check, const std::string& hostaddr);

}  // namespace runbookd::postgres
