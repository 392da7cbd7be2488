#include "probes/redis/replication_assessment.hpp"

#include <algorithm>
#include <string>

#include "daemon/clients/dns/resolver.hpp"

namespace runbookd::redis {

namespace {

std::string Plural(int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string MasterAddress(const ReplicationInfo& info) {
  const std::string host = info.master_host.empty() ? "?" : info.master_host;
  if (!info.master_port || *info.master_port < 0 || *info.master_port > 65535) return host + ":?";
  return dns::JoinHostPort(host, static_cast<uint16_t>(*info.master_port));
}

// "master, 2 connected replicas" / "replica of 10.0.0.1:6379, master link up (last I/O 1 s ago)".
std::string DescribeRole(const ReplicationInfo& info) {
  if (info.role == Role::kMaster) {
    return "master, " + Plural(info.connected_slaves.value_or(0), "connected replica", "connected replicas");
  }
  std::string out = "replica of " + MasterAddress(info) + ", master link ";
  if (info.master_link_status == "up") {
    out += "up";
    if (info.master_last_io_seconds_ago && *info.master_last_io_seconds_ago >= 0) {
      out += " (last I/O " + std::to_string(*info.master_last_io_seconds_ago) + " s ago)";
    }
    return out;
  }
  out += info.master_link_status.empty() ? "status unknown" : info.master_link_status;
  // Redis 7 gives -1 when the link was never up since the replica started.
  if (info.master_link_down_since_seconds && *info.master_link_down_since_seconds >= 0) {
    out += " for " + std::to_string(*info.master_link_down_since_seconds) + " s";
  } else if (info.master_link_down_since_seconds) {
    out += " since the replica started";
  }
  if (info.master_sync_in_progress.value_or(0) == 1) out += ", full sync in progress";
  return out;
}

void Observe(const ReplicationInfo& info, ProbeResult& result) {
  result.Observe("redis_role_master", info.role == Role::kMaster ? 1 : 0);
  if (info.connected_slaves) result.Observe("redis_connected_slaves", static_cast<double>(*info.connected_slaves));
  if (info.role == Role::kReplica) {
    result.Observe("redis_master_link_up", info.master_link_status == "up" ? 1 : 0);
    if (info.master_last_io_seconds_ago && *info.master_last_io_seconds_ago >= 0) {
      result.Observe("redis_master_last_io_seconds_ago", static_cast<double>(*info.master_last_io_seconds_ago));
    }
    if (info.master_link_down_since_seconds && *info.master_link_down_since_seconds >= 0) {
      result.Observe("redis_master_link_down_since_seconds", static_cast<double>(*info.master_link_down_since_seconds));
    }
    return;
  }
  // A master knows how far behind each replica is: seconds since its last ack, and bytes of
  // replication stream it has not acknowledged.
  std::optional<int64_t> max_lag;
  std::optional<int64_t> min_offset;
  for (const ConnectedReplica& replica : info.replicas) {
    if (replica.lag) max_lag = std::max(max_lag.value_or(0), *replica.lag);
    if (replica.offset) min_offset = std::min(min_offset.value_or(*replica.offset), *replica.offset);
  }
  if (max_lag) result.Observe("redis_replica_lag_seconds_max", static_cast<double>(*max_lag));
  if (min_offset && info.master_repl_offset) {
    result.Observe("redis_replica_lag_bytes_max",
                   static_cast<double>(std::max<int64_t>(0, *info.master_repl_offset - *min_offset)));
  }
}

}  // namespace

void AssessReplication(const ReplicationInfo& info, std::optional<Role> expected_role, ProbeResult& result) {
  if (!info.role) {
    result.Conclude(ProbeStatus::kUnknown, ProbeReason::kProtocolError, "INFO replication has no role:master|slave");
    return;
  }
  Observe(info, result);
  const std::string described = DescribeRole(info);
  if (expected_role && *info.role != *expected_role) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kRoleMismatch,
                    described + "; expected a " + std::string(ToString(*expected_role)));
    return;
  }
  if (info.role == Role::kReplica && info.master_link_status != "up") {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kReplicationBroken, described);
    return;
  }
  result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, described);
}

}  // namespace runbookd::redis
