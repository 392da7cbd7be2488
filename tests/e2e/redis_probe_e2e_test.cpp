// The redis probe against real redis-server 7.0 processes on loopback: up, down, credentials
// (password and ACL user), a replica whose master is killed, expect_role, LOADING, MASTERDOWN,
// a stopped server, TLS, and the password kept out of every detail.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "probes/redis/redis_probe.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"

using namespace std::chrono_literals;
using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::probes::redis::MakeProbeFactory;
using runbookd::probetest::BuildProbe;
using runbookd::probetest::Observed;
using runbookd::probetest::Outcome;
using runbookd::probetest::RunOnce;
using runbookd::testing::PollUntil;
using runbookd::testing::RedisServer;
using runbookd::testing::RedisServerOptions;
using runbookd::testing::TempDir;

namespace {

const std::string kPassword = "e2e-hunter2-pass";

Outcome Probe(const std::string& spec, std::chrono::milliseconds timeout = 3s) {
  return RunOnce(*BuildProbe(MakeProbeFactory(), spec), timeout);
}

std::string WithPassword(const RedisServer& server, const std::string& password_file) {
  return "address: " + server.address() + "\npassword_file: " + password_file + "\n";
}

// A master that starts a replica's full sync at once (Redis 7 waits 5 s for more replicas by default).
RedisServerOptions FastMaster(std::string password = {}) {
  RedisServerOptions options;
  options.password = std::move(password);
  options.extra_config = {"repl-diskless-sync-delay 0"};
  return options;
}

}  // namespace

TEST_CASE("redis e2e: a running server is healthy", "[redis][e2e]") {
  RedisServer server;
  auto out = Probe("address: " + server.address());
  INFO(out.result.detail << "\n" << server.Log());
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.reason == ProbeReason::kOk);
  CHECK(out.result.detail == server.address() + ": master, 0 connected replicas");
  CHECK(Observed(out.result, "redis_up") == 1);
  CHECK(Observed(out.result, "redis_role_master") == 1);
  CHECK(Observed(out.result, "redis_connected_slaves") == 0);

  // db selects a database that exists; one beyond `databases` is the probe's misconfiguration.
  CHECK(Probe("address: " + server.address() + "\ndb: 15\n").result.status == ProbeStatus::kHealthy);
  auto no_such_db = Probe("address: " + server.address() + "\ndb: 99\n");
  CHECK(no_such_db.result.status == ProbeStatus::kUnknown);
  CHECK(no_such_db.result.reason == ProbeReason::kMisconfigured);
}

TEST_CASE("redis e2e: a killed server is connection_refused", "[redis][e2e]") {
  RedisServer server;
  server.Kill();
  auto out = Probe("address: " + server.address());
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionRefused);
  CHECK(Observed(out.result, "redis_up") == 0);
}

TEST_CASE("redis e2e: passwords", "[redis][e2e]") {
  TempDir dir;
  RedisServer server({.password = kPassword});

  auto right = Probe(WithPassword(server, dir.Write("right", kPassword)));
  INFO(right.result.detail);
  CHECK(right.result.status == ProbeStatus::kHealthy);

  auto wrong = Probe(WithPassword(server, dir.Write("wrong", "not-" + kPassword)));
  CHECK(wrong.result.status == ProbeStatus::kUnhealthy);
  CHECK(wrong.result.reason == ProbeReason::kAuthFailed);
  CHECK(wrong.result.detail ==
        server.address() + " answered AUTH with -WRONGPASS invalid username-password pair or user is disabled.");

  // Monit's Redis test passes on -NOAUTH; this one does not.
  auto none = Probe("address: " + server.address());
  CHECK(none.result.status == ProbeStatus::kUnhealthy);
  CHECK(none.result.reason == ProbeReason::kAuthFailed);
  CHECK(none.result.detail.find("-NOAUTH") != std::string::npos);
  CHECK(Observed(none.result, "redis_up") == 0);
}

TEST_CASE("redis e2e: ACL users", "[redis][e2e]") {
  TempDir dir;
  const std::string password_file = dir.Write("pw", kPassword);
  RedisServer server({.acl_users = {"probe on >" + kPassword + " +ping +info", "pingonly on >" + kPassword + " +ping",
                                    "off-user off >" + kPassword + " +@all"}});
  auto as = [&](const std::string& user) {
    return Probe(WithPassword(server, password_file) + "username: " + user + "\n");
  };
  auto probe = as("probe");
  INFO(probe.result.detail);
  CHECK(probe.result.status == ProbeStatus::kHealthy);

  CHECK(as("nosuchuser").result.reason == ProbeReason::kAuthFailed);
  CHECK(as("off-user").result.reason == ProbeReason::kAuthFailed);
  // INFO needs +info: without it the probe cannot judge replication.
  auto pingonly = as("pingonly");
  CHECK(pingonly.result.status == ProbeStatus::kUnknown);
  CHECK(pingonly.result.reason == ProbeReason::kMisconfigured);
  CHECK(pingonly.result.detail.find("-NOPERM") != std::string::npos);
}

TEST_CASE("redis e2e: a replica whose master is killed is replication_broken", "[redis][e2e]") {
  TempDir dir;
  const std::string password_file = dir.Write("pw", kPassword);
  RedisServer master(FastMaster(kPassword));
  RedisServerOptions replica_options;
  replica_options.password = kPassword;
  replica_options.replica_of_port = master.port();
  RedisServer replica(replica_options);

  REQUIRE(PollUntil([&] { return replica.InfoField("replication", "master_link_status") == "up"; }, 20s));
  auto linked = Probe(WithPassword(replica, password_file) + "expect_role: replica\n");
  INFO(linked.result.detail);
  CHECK(linked.result.status == ProbeStatus::kHealthy);
  CHECK(linked.result.detail.find(": replica of " + master.address() + ", master link up") != std::string::npos);
  CHECK(Observed(linked.result, "redis_master_link_up") == 1);
  CHECK(Observed(linked.result, "redis_role_master") == 0);

  auto seen_by_master = Probe(WithPassword(master, password_file));
  CHECK(Observed(seen_by_master.result, "redis_connected_slaves") == 1);
  CHECK(Observed(seen_by_master.result, "redis_replica_lag_seconds_max") >= 0);

  master.Kill();
  REQUIRE(PollUntil([&] { return replica.InfoField("replication", "master_link_status") == "down"; }, 20s));
  auto broken = Probe(WithPassword(replica, password_file));
  INFO(broken.result.detail);
  CHECK(broken.result.status == ProbeStatus::kUnhealthy);
  CHECK(broken.result.reason == ProbeReason::kReplicationBroken);
  CHECK(broken.result.detail.find(": replica of " + master.address() + ", master link down for ") != std::string::npos);
  CHECK(Observed(broken.result, "redis_up") == 1);  // it still answers PING
  CHECK(Observed(broken.result, "redis_master_link_up") == 0);
  CHECK(Observed(broken.result, "redis_master_link_down_since_seconds") >= 0);
}

TEST_CASE("redis e2e: expect_role mismatch", "[redis][e2e]") {
  RedisServer master;
  auto out = Probe("address: " + master.address() + "\nexpect_role: replica\n");
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kRoleMismatch);
  CHECK(out.result.detail == master.address() + ": master, 0 connected replicas; expected a replica");
  CHECK(Probe("address: " + master.address() + "\nexpect_role: master\n").result.status == ProbeStatus::kHealthy);
}

TEST_CASE("redis e2e: a replica that refuses stale reads answers MASTERDOWN", "[redis][e2e]") {
  RedisServerOptions options;
  options.replica_of_port = runbookd::testing::FreePort();  // nobody there
  options.extra_config = {"replica-serve-stale-data no"};
  RedisServer replica(options);
  auto out = Probe("address: " + replica.address());
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kMasterDown);
}

TEST_CASE("redis e2e: a server still loading its dataset is loading", "[redis][e2e]") {
  TempDir data;
  {
    RedisServerOptions writer;
    writer.data_dir = data.path();
    writer.extra_config = {"enable-debug-command local"};
    RedisServer server(writer);
    REQUIRE(server.Cli({"DEBUG", "POPULATE", "2000"}).find("OK") != std::string::npos);
    REQUIRE(server.Cli({"SAVE"}).find("OK") != std::string::npos);
  }
  // 5 ms per key: 10 s of loading, answering clients in between.
  RedisServerOptions slow;
  slow.data_dir = data.path();
  slow.extra_config = {"key-load-delay 5000", "loading-process-events-interval-bytes 1024"};
  RedisServer server(slow);
  auto out = Probe("address: " + server.address());
  INFO(out.result.detail << "\n" << server.Log());
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kLoading);
  CHECK(Observed(out.result, "redis_up") == 0);
}

TEST_CASE("redis e2e: a stopped server times out within timeout + 100 ms", "[redis][e2e]") {
  RedisServer server;
  server.Pause();  // the kernel still accepts the connection; nobody answers
  auto out = Probe("address: " + server.address(), 500ms);
  server.Resume();
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed >= 450ms);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("redis e2e: a blackholed address times out within timeout + 100 ms", "[redis][e2e]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto out = Probe("address: 127.0.0.1:" + std::to_string(blackhole.port()), 500ms);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("redis e2e: TLS", "[redis][e2e][tls]") {
  runbookd::testing::TestCerts certs;
  TempDir dir;
  RedisServerOptions options;
  options.password = kPassword;
  options.tls_cert_file = certs.server.chain;
  options.tls_key_file = certs.server.key;
  RedisServer server(options);
  const std::string base = WithPassword(server, dir.Write("pw", kPassword));

  auto trusted = Probe(base + "tls:\n  ca_file: " + certs.ca.ca_cert() + "\n");
  INFO(trusted.result.detail << "\n" << server.Log());
  CHECK(trusted.result.status == ProbeStatus::kHealthy);

  auto untrusted = Probe(base + "tls:\n  ca_file: " + certs.other_ca.ca_cert() + "\n");
  CHECK(untrusted.result.status == ProbeStatus::kUnhealthy);
  CHECK(untrusted.result.reason == ProbeReason::kCertUntrusted);

  // Plain RESP to a TLS port: the server drops the connection.
  auto plain = Probe(base);
  INFO(plain.result.detail);
  CHECK(plain.result.status == ProbeStatus::kUnhealthy);
  CHECK(plain.result.reason == ProbeReason::kConnectionFailed);
}

TEST_CASE("redis e2e: the password stays out of the detail even when Redis echoes it", "[redis][e2e]") {
  TempDir dir;
  const std::string long_password(200, 'q');
  for (const std::string& password : {kPassword, long_password}) {
    RedisServerOptions options;
    options.password = password;
    options.extra_config = {"rename-command AUTH \"\""};  // AUTH unknown: Redis echoes its arguments
    RedisServer server(options);
    auto out = Probe(WithPassword(server, dir.Write("pw", password)));
    INFO(out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kAuthFailed);
    CHECK(out.result.detail == server.address() + " answered AUTH with -ERR unknown command 'AUTH'");
    CHECK(out.result.detail.find(password.substr(0, 8)) == std::string::npos);
  }
}
