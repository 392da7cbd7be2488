#include "probes/redis/replication_info.hpp"

#include <charconv>

namespace runbookd::redis {

namespace {

std::optional<int64_t> ToInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// `ip=10.0.0.2,port=6379,state=online,offset=1234,lag=0`.
ConnectedReplica ParseReplicaLine(std::string_view value) {
  ConnectedReplica replica;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view pair = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = pair.substr(0, equals);
    const std::string_view field = pair.substr(equals + 1);
    if (key == "ip") replica.ip = field;
    if (key == "port") replica.port = ToInt(field);
    if (key == "state") replica.state = field;
    if (key == "offset") replica.offset = ToInt(field);
    if (key == "lag") replica.lag = ToInt(field);
  }
  return replica;
}

// slave0, slave1, ... (and not slave_priority, slave_read_only, ...).
bool IsReplicaLineKey(std::string_view key) {
  if (key.size() <= 5 || key.substr(0, 5) != "slave") return false;
  return ToInt(key.substr(5)).has_value();
}

}  // namespace

std::string_view ToString(Role role) { return role == Role::kMaster ? "master" : "replica"; }

ReplicationInfo ParseReplicationInfo(std::string_view text) {
  ReplicationInfo info;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);

    if (key == "role") {
      if (value == "master") info.role = Role::kMaster;
      if (value == "slave" || value == "replica") info.role = Role::kReplica;
    } else if (key == "connected_slaves") {
      info.connected_slaves = ToInt(value);
    } else if (key == "master_repl_offset") {
      info.master_repl_offset = ToInt(value);
    } else if (IsReplicaLineKey(key)) {
      info.replicas.push_back(ParseReplicaLine(value));
    } else if (key == "master_host") {
      info.master_host = value;
    } else if (key == "master_port") {
      info.master_port = ToInt(value);
    } else if (key == "master_link_status") {
      info.master_link_status = value;
    } else if (key == "master_last_io_seconds_ago") {
      info.master_last_io_seconds_ago = ToInt(value);
    } else if (key == "master_link_down_since_seconds") {
      info.master_link_down_since_seconds = ToInt(value);
    } else if (key == "master_sync_in_progress") {
      info.master_sync_in_progress = ToInt(value);
    }
  }
  return info;
}

}  // namespace runbookd::redis
