#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace runbookd::probes::kafka {

// How far librdkafka got with one broker, from its statistics JSON (STATISTICS.md, `brokers`).
// The Metadata response lists brokers that are down, so connecting to each one is the only
// way to tell which are reachable.
struct BrokerConnection {
  std::string state;     // INIT, TRY_CONNECT, CONNECT, SSL_HANDSHAKE, AUTH_*, APIVERSION_QUERY, UP, UPDATE, DOWN
  int64_t connects = 0;  // connection attempts so far
};

enum class Reachability {
  kReachable,    // connected, authenticated, usable
  kUnreachable,  // an attempt failed and the client is waiting to retry
  kUndecided,    // not tried yet, or an attempt is still under way
};

// The learned brokers (node id >= 0) in one statistics JSON document; empty when it does not
// parse.
std::map<int32_t, BrokerConnection> ParseBrokerConnections(std::string_view stats_json);

Reachability Judge(const BrokerConnection& broker);

}  // namespace runbookd::probes::kafka
