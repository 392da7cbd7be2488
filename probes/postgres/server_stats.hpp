#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/probe_result.hpp"

namespace runbookd::postgres {

// One round trip that proves the server answers queries and says how full it is: client
// backends (pg_stat_activity also lists background workers), max_connections, the slots
// reserved for superusers (plus PostgreSQL 16's reserved_connections when present), whether it
// is a standby, and how far its replay is behind (now() minus the last replayed commit's time).
extern const char* const kServerStatsQuery;

struct ServerStats {
  int64_t client_connections = 0;  // this probe's own included
  int64_t max_connections = 0;
  int64_t reserved_connections = 0;
  bool in_recovery = false;
  std::optional<double> replay_lag_seconds;  // standby only; nullopt before the first replayed commit
};

// The row of kServerStatsQuery (text values); nullopt when it is not what the query returns.
std::optional<ServerStats> ParseServerStats(const std::vector<std::optional<std::string>>& row);

struct UsageLimits {
  int64_t connection_headroom = 0;
  std::optional<std::chrono::milliseconds> max_replica_lag;
};

// Observes connections_used, connections_max (max_connections minus the reserved slots: what
// ordinary roles may use) and, on a standby, replica_lag_seconds; then concludes: too many
// connections when used >= max - headroom, replica lag when a standby is further behind than
// allowed (unknown while it has replayed nothing), else healthy.
void AssessServerStats(const ServerStats& stats, const UsageLimits& limits, std::string_view peer, ProbeResult& result);

}  // namespace runbookd::postgres
