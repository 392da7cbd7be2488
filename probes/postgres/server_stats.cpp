#include "probes/postgres/server_stats.hpp"

#include <charconv>
#include <cstdio>

namespace runbookd::postgres {

const char* const kServerStatsQuery =
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
    "current_setting('max_connections')::int, "
    "current_setting('superuser_reserved_connections')::int "
    "+ coalesce(current_setting('reserved_connections', true)::int, 0), "
    "pg_is_in_recovery(), "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())";

namespace {

template <typename Number>
std::optional<Number> ParseNumber(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  Number value{};
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

}  // namespace

std::optional<ServerStats> ParseServerStats(const std::vector<std::optional<std::string>>& row) {
  if (row.size() != 5) return std::nullopt;
  const auto used = ParseNumber<int64_t>(row[0]);
  const auto max = ParseNumber<int64_t>(row[1]);
  const auto reserved = ParseNumber<int64_t>(row[2]);
  if (!used || !max || !reserved || !row[3] || (*row[3] != "t" && *row[3] != "f")) return std::nullopt;
  ServerStats stats{*used, *max, *reserved, *row[3] == "t", std::nullopt};
  if (row[4]) {
    stats.replay_lag_seconds = ParseNumber<double>(row[4]);
    if (!stats.replay_lag_seconds) return std::nullopt;
  }
  return stats;
}

void AssessServerStats(const ServerStats& stats, const UsageLimits& limits, std::string_view peer,
                       ProbeResult& result) {
  const int64_t usable = stats.max_connections - stats.reserved_connections;
  result.Observe("connections_used", static_cast<double>(stats.client_connections));
  result.Observe("connections_max", static_cast<double>(usable));
  const bool lag_known = stats.in_recovery && stats.replay_lag_seconds.has_value();
  if (lag_known) result.Observe("replica_lag_seconds", *stats.replay_lag_seconds);

  const std::string usage =
      std::to_string(stats.client_connections) + " of " + std::to_string(usable) + " connections in use";
  if (stats.client_connections >= usable - limits.connection_headroom) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTooManyConnections,
                    std::string(peer) + ": " + usage +
                        (limits.connection_headroom > 0
                             ? " (connection_headroom " + std::to_string(limits.connection_headroom) + ")"
                             : ""));
    return;
  }
  if (stats.in_recovery && limits.max_replica_lag) {
    const double allowed = std::chrono::duration<double>(*limits.max_replica_lag).count();
    if (!lag_known) {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kReplicaLag,
                      std::string(peer) + " is a standby that has replayed no transaction yet; its lag is unknown");
      return;
    }
    if (*stats.replay_lag_seconds > allowed) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kReplicaLag,
                      std::string(peer) + ": standby replay is " + Seconds(*stats.replay_lag_seconds) +
                          " behind (max_replica_lag " + Seconds(allowed) + ")");
      return;
    }
  }
  std::string detail = std::string(peer) + " answers queries; " + usage;
  if (lag_known) detail += "; standby replay " + Seconds(*stats.replay_lag_seconds) + " behind";
  result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, detail);
}

}  // namespace runbookd::postgres
