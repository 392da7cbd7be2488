// INFO replication: parsing (texts as redis-server 7.0.15 sends them) and the judgement on it.
#include <catch2/catch.hpp>
#include <string>

#include "probes/redis/replication_assessment.hpp"
#include "probes/redis/replication_info.hpp"

using runbookd::ProbeReason;
using runbookd::ProbeResult;
using runbookd::ProbeStatus;
using runbookd::redis::AssessReplication;
using runbookd::redis::ParseReplicationInfo;
using runbookd::redis::ReplicationInfo;
using runbookd::redis::Role;

namespace {

std::string Crlf(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

const std::string kMaster = Crlf(R"(# Replication
role:master
connected_slaves:2
slave0:ip=10.0.0.2,port=6379,state=online,offset=5000,lag=0
slave1:ip=10.0.0.3,port=6380,state=online,offset=4200,lag=3
master_failover_state:no-failover
master_replid:c7c1de2234bc32975f3ff236115d955692617cf2
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:5100
second_repl_offset:-1
repl_backlog_active:1
repl_backlog_size:1048576
repl_backlog_first_byte_offset:1
repl_backlog_histlen:5100
)");

const std::string kReplicaUp = Crlf(R"(# Replication
role:slave
master_host:10.0.0.1
master_port:6379
master_link_status:up
master_last_io_seconds_ago:1
master_sync_in_progress:0
slave_read_repl_offset:0
slave_repl_offset:0
slave_priority:100
slave_read_only:1
replica_announced:1
connected_slaves:0
master_failover_state:no-failover
master_replid:b7bf11c8d507774b4c7ceedadbc8e343b33f6920
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1
)");

const std::string kReplicaDown = Crlf(R"(# Replication
role:slave
master_host:10.0.0.1
master_port:6379
master_link_status:down
master_last_io_seconds_ago:-1
master_sync_in_progress:0
slave_read_repl_offset:0
slave_repl_offset:0
master_link_down_since_seconds:42
slave_priority:100
connected_slaves:0
)");

ProbeResult Assess(const std::string& text, std::optional<Role> expected = std::nullopt) {
  ProbeResult result;
  AssessReplication(ParseReplicationInfo(text), expected, result);
  return result;
}

double Observed(const ProbeResult& r, std::string_view name) {
  const double* v = r.Find(name);
  INFO("observation " << name);
  REQUIRE(v != nullptr);
  return *v;
}

}  // namespace

TEST_CASE("redis INFO replication: a master and its replicas", "[redis]") {
  const ReplicationInfo info = ParseReplicationInfo(kMaster);
  CHECK(info.role == Role::kMaster);
  CHECK(info.connected_slaves == 2);
  CHECK(info.master_repl_offset == 5100);
  REQUIRE(info.replicas.size() == 2);
  CHECK(info.replicas[1].ip == "10.0.0.3");
  CHECK(info.replicas[1].port == 6380);
  CHECK(info.replicas[1].state == "online");
  CHECK(info.replicas[1].offset == 4200);
  CHECK(info.replicas[1].lag == 3);
  CHECK(info.master_link_status.empty());
}

TEST_CASE("redis INFO replication: a replica", "[redis]") {
  const ReplicationInfo up = ParseReplicationInfo(kReplicaUp);
  CHECK(up.role == Role::kReplica);
  CHECK(up.master_host == "10.0.0.1");
  CHECK(up.master_port == 6379);
  CHECK(up.master_link_status == "up");
  CHECK(up.master_last_io_seconds_ago == 1);
  CHECK_FALSE(up.master_link_down_since_seconds.has_value());
  CHECK(up.replicas.empty());  // slave_priority, slave_read_only, ... are not replica lines

  const ReplicationInfo down = ParseReplicationInfo(kReplicaDown);
  CHECK(down.master_link_status == "down");
  CHECK(down.master_link_down_since_seconds == 42);
  CHECK(down.master_last_io_seconds_ago == -1);
}

TEST_CASE("redis INFO replication: bare newlines, unknown fields and junk are tolerated", "[redis]") {
  const ReplicationInfo info =
      ParseReplicationInfo("# Replication\nrole:slave\nfuture_field:x:y\nno colon here\n\nmaster_port:notanumber\n");
  CHECK(info.role == Role::kReplica);
  CHECK_FALSE(info.master_port.has_value());
  CHECK_FALSE(ParseReplicationInfo("").role.has_value());
  CHECK_FALSE(ParseReplicationInfo("role:sentinel\r\n").role.has_value());
}

TEST_CASE("redis replication: a master is healthy and reports how far its replicas lag", "[redis]") {
  const ProbeResult r = Assess(kMaster);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "master, 2 connected replicas");
  CHECK(Observed(r, "redis_role_master") == 1);
  CHECK(Observed(r, "redis_connected_slaves") == 2);
  CHECK(Observed(r, "redis_replica_lag_seconds_max") == 3);
  CHECK(Observed(r, "redis_replica_lag_bytes_max") == 900);
  CHECK(r.Find("redis_master_link_up") == nullptr);
}

TEST_CASE("redis replication: a replica with its link up is healthy", "[redis]") {
  const ProbeResult r = Assess(kReplicaUp);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail == "replica of 10.0.0.1:6379, master link up (last I/O 1 s ago)");
  CHECK(Observed(r, "redis_role_master") == 0);
  CHECK(Observed(r, "redis_master_link_up") == 1);
  CHECK(Observed(r, "redis_master_last_io_seconds_ago") == 1);
}

TEST_CASE("redis replication: a replica whose master link is down is replication_broken", "[redis]") {
  const ProbeResult r = Assess(kReplicaDown);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kReplicationBroken);
  CHECK(r.detail == "replica of 10.0.0.1:6379, master link down for 42 s");
  CHECK(Observed(r, "redis_master_link_up") == 0);
  CHECK(Observed(r, "redis_master_link_down_since_seconds") == 42);
  CHECK(r.Find("redis_master_last_io_seconds_ago") == nullptr);  // -1: never

  const ProbeResult never = Assess(
      "role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
      "master_sync_in_progress:1\r\nmaster_link_down_since_seconds:-1\r\n");
  CHECK(never.reason == ProbeReason::kReplicationBroken);
  CHECK(never.detail == "replica of 10.0.0.1:6379, master link down since the replica started, full sync in progress");
}

TEST_CASE("redis replication: expect_role", "[redis]") {
  CHECK(Assess(kMaster, Role::kMaster).status == ProbeStatus::kHealthy);
  CHECK(Assess(kReplicaUp, Role::kReplica).status == ProbeStatus::kHealthy);

  const ProbeResult promoted = Assess(kMaster, Role::kReplica);
  CHECK(promoted.status == ProbeStatus::kUnhealthy);
  CHECK(promoted.reason == ProbeReason::kRoleMismatch);
  CHECK(promoted.detail == "master, 2 connected replicas; expected a replica");

  // A role mismatch outranks the broken link: the server is not what the rule is about.
  const ProbeResult demoted = Assess(kReplicaDown, Role::kMaster);
  CHECK(demoted.reason == ProbeReason::kRoleMismatch);
  CHECK(demoted.detail == "replica of 10.0.0.1:6379, master link down for 42 s; expected a master");
}

TEST_CASE("redis replication: an INFO without a role cannot be judged", "[redis]") {
  const ProbeResult r = Assess("# Replication\r\nconnected_slaves:0\r\n");
  CHECK(r.status == ProbeStatus::kUnknown);
  CHECK(r.reason == ProbeReason::kProtocolError);
}
