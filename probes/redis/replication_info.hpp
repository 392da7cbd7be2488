#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbookd::redis {

enum class Role { kMaster, kReplica };

// "master" / "replica".
std::string_view ToString(Role role);

// One `slaveN:ip=…,port=…,state=…,offset=…,lag=…` line of a master.
struct ConnectedReplica {
  std::string ip;
  std::optional<int64_t> port;
  std::string state;  // online, wait_bgsave, send_bulk, ...
  std::optional<int64_t> offset;
  std::optional<int64_t> lag;  // seconds since the replica's last ack
};

// The fields of `INFO replication` the probe uses. Fields vary by version: absent ones stay
// unset, unknown ones are ignored.
struct ReplicationInfo {
  std::optional<Role> role;  // role:master, or role:slave
  std::optional<int64_t> connected_slaves;
  std::optional<int64_t> master_repl_offset;
  std::vector<ConnectedReplica> replicas;  // a master's slaveN lines, in order

  // A replica's view of its master.
  std::string master_host;
  std::optional<int64_t> master_port;
  std::string master_link_status;                         // "up" or "down"
  std::optional<int64_t> master_last_io_seconds_ago;      // -1 before the first sync
  std::optional<int64_t> master_link_down_since_seconds;  // only while down; -1: never up
  std::optional<int64_t> master_sync_in_progress;         // 1 during a full sync
};

// Parses the text of an `INFO replication` reply: `field:value` lines ("\r\n" or "\n"),
// `# Section` headers and blank lines skipped. Never fails: what it cannot read stays unset.
ReplicationInfo ParseReplicationInfo(std::string_view text);

}  // namespace runbookd::redis
