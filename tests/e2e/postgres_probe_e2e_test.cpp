// e2e: the postgres probe against a real PostgreSQL 15 started in a temp dir: up, stopped, wrong
// password, max_connections exhausted, refusing connections (as while starting), and replica
// lag on a hot standby. The password never appears in a result.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "probes/postgres/postgres_probe.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_certs.hpp"

using namespace std::chrono_literals;
using namespace runbookd::probetest;
using runbookd::ProbeReason;
using runbookd::ProbeResult;
using runbookd::ProbeStatus;
using runbookd::probes::postgres::MakeProbeFactory;
using runbookd::testing::PollUntil;
using runbookd::testing::PostgresServer;
using runbookd::testing::PostgresServerOptions;
using runbookd::testing::TempDir;
using runbookd::testing::TestCerts;

namespace {

const std::string kWrongPassword = "wrong-Secret-7f3a";

// A spec for `server` over TCP; `password` empty: no password key.
std::string TcpSpec(const PostgresServer& server, const TempDir& dir, const std::string& extra = {},
                    const std::string& password = PostgresServer::kProbePassword) {
  std::string spec =
      "host: 127.0.0.1\nport: " + std::to_string(server.port()) + "\nuser: " + PostgresServer::kProbeUser + "\n";
  if (!password.empty()) spec += "password_file: " + dir.Write("password", password + "\n") + "\n";
  return spec + extra;
}

ProbeResult Probe(const std::string& spec) {
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec), 5s);
  UNSCOPED_INFO(spec << "\n=> " << runbookd::ToString(out.result.status) << " " << runbookd::ToString(out.result.reason)
                     << ": " << out.result.detail);
  return out.result;
}

// Neither the real nor the wrong password may show in what a run reports.
void CheckNoPassword(const ProbeResult& result) {
  CHECK(result.detail.find(PostgresServer::kProbePassword) == std::string::npos);
  CHECK(result.detail.find(kWrongPassword) == std::string::npos);
}

}  // namespace

TEST_CASE("postgres e2e: a running server is healthy in both modes", "[e2e][postgres]") {
  PostgresServer server(PostgresServerOptions{20, 3});
  TempDir dir;

  const ProbeResult query = Probe(TcpSpec(server, dir));
  CHECK(query.status == ProbeStatus::kHealthy);
  CHECK_THAT(query.detail, Catch::Contains("answers queries"));
  CHECK(Observed(query, "up") == 1);
  CHECK(Observed(query, "connections_used") >= 1);
  CHECK(Observed(query, "connections_max") == 17);
  CHECK(Observed(query, "connect_seconds") > 0);
  CHECK(query.Find("replica_lag_seconds") == nullptr);
  CheckNoPassword(query);

  const ProbeResult ping = Probe(TcpSpec(server, dir, "mode: ping\n"));
  CHECK(ping.status == ProbeStatus::kHealthy);
  CHECK(Observed(ping, "up") == 1);
  CHECK(ping.Find("connections_used") == nullptr);

  // As pg_isready: no credentials needed to see that the server accepts connections.
  const ProbeResult anonymous = Probe("host: 127.0.0.1\nport: " + std::to_string(server.port()));
  CHECK(anonymous.status == ProbeStatus::kHealthy);
  CHECK(Observed(anonymous, "up") == 1);

  const ProbeResult by_name =
      Probe("host: localhost\nport: " + std::to_string(server.port()) + "\nuser: probe\npassword_file: " +
            dir.Write("password", std::string(PostgresServer::kProbePassword) + "\n"));
  CHECK(by_name.status == ProbeStatus::kHealthy);

  // The Unix socket (local connections are trusted by this server).
  const ProbeResult socket =
      Probe("host: " + server.socket_dir() + "\nport: " + std::to_string(server.port()) + "\nuser: probe\nmode: query");
  CHECK(socket.status == ProbeStatus::kHealthy);

  // The server has no TLS: sslmode require cannot be met.
  const ProbeResult tls = Probe(TcpSpec(server, dir, "sslmode: require\n"));
  CHECK(tls.status == ProbeStatus::kUnhealthy);
  CHECK(tls.reason == ProbeReason::kTlsError);
}

TEST_CASE("postgres e2e: a stopped server is connection_refused", "[e2e][postgres]") {
  PostgresServer server;
  TempDir dir;
  server.Stop();
  for (const std::string mode : {"ping", "query"}) {
    const ProbeResult result = Probe(TcpSpec(server, dir, "mode: " + mode + "\n"));
    CHECK(result.status == ProbeStatus::kUnhealthy);
    CHECK(result.reason == ProbeReason::kConnectionRefused);
    CHECK(Observed(result, "up") == 0);
  }
  // Its Unix socket is gone as well.
  const ProbeResult socket =
      Probe("host: " + server.socket_dir() + "\nport: " + std::to_string(server.port()) + "\nuser: probe");
  CHECK(socket.reason == ProbeReason::kConnectionRefused);

  server.Start();
  CHECK(Probe(TcpSpec(server, dir)).status == ProbeStatus::kHealthy);
}

TEST_CASE("postgres e2e: a wrong password is auth_failed and no password shows", "[e2e][postgres][secrets]") {
  PostgresServer server;
  TempDir dir;

  const ProbeResult wrong = Probe(TcpSpec(server, dir, {}, kWrongPassword));
  CHECK(wrong.status == ProbeStatus::kUnhealthy);
  CHECK(wrong.reason == ProbeReason::kAuthFailed);
  CHECK_THAT(wrong.detail, Catch::Contains("password authentication failed") && Catch::Contains("28P01"));
  CHECK(Observed(wrong, "up") == 1);  // the server is up; it refused us
  CheckNoPassword(wrong);

  // PQping counts a refused login as a server that accepts connections.
  const ProbeResult ping = Probe(TcpSpec(server, dir, "mode: ping\n", kWrongPassword));
  CHECK(ping.status == ProbeStatus::kHealthy);
  CheckNoPassword(ping);

  const ProbeResult none = Probe(TcpSpec(server, dir, "mode: query\n", ""));
  CHECK(none.reason == ProbeReason::kAuthFailed);
  CHECK_THAT(none.detail, Catch::Contains("asks for a password and none is configured"));

  const ProbeResult no_database = Probe(TcpSpec(server, dir, "dbname: nosuchdb\n"));
  CHECK(no_database.status == ProbeStatus::kUnhealthy);
  CHECK(no_database.reason == ProbeReason::kNotFound);
  CheckNoPassword(no_database);
}

TEST_CASE("postgres e2e: max_connections exhausted is too_many_connections", "[e2e][postgres]") {
  // 5 connections, 2 reserved for superusers: 3 for the probe role.
  PostgresServer server(PostgresServerOptions{5, 2});
  TempDir dir;

  auto first = server.Hold(1);
  // The probe's own connection makes 2 of 3: within a headroom of 1 of the limit.
  const ProbeResult near = Probe(TcpSpec(server, dir, "connection_headroom: 1\n"));
  CHECK(near.status == ProbeStatus::kUnhealthy);
  CHECK(near.reason == ProbeReason::kTooManyConnections);
  CHECK(Observed(near, "connections_max") == 3);
  CHECK(Observed(near, "connections_used") >= 2);
  // Without headroom that is fine (once the harness's own psql sessions have gone).
  CHECK(PollUntil([&] { return Probe(TcpSpec(server, dir)).status == ProbeStatus::kHealthy; }, 10s));

  auto rest = server.Hold(2);
  const ProbeResult full = Probe(TcpSpec(server, dir));
  CHECK(full.status == ProbeStatus::kUnhealthy);
  CHECK(full.reason == ProbeReason::kTooManyConnections);
  CHECK_THAT(full.detail, Catch::Contains("53300"));
  CHECK(Observed(full, "up") == 1);
  CheckNoPassword(full);
  // PQping says OK for "too many connections".
  CHECK(Probe(TcpSpec(server, dir, "mode: ping\n")).status == ProbeStatus::kHealthy);
}

TEST_CASE("postgres e2e: a server that runs but refuses connections is starting", "[e2e][postgres]") {
  PostgresServer server;
  TempDir dir;
  server.StartRejecting();
  for (const std::string mode : {"ping", "query"}) {
    const ProbeResult result = Probe(TcpSpec(server, dir, "mode: " + mode + "\n"));
    CHECK(result.status == ProbeStatus::kUnhealthy);
    CHECK(result.reason == ProbeReason::kStarting);
    CHECK_THAT(result.detail, Catch::Contains("not accepting connections") && Catch::Contains("57P03"));
    CHECK(Observed(result, "up") == 0);
  }
}

TEST_CASE("postgres e2e: replica lag on a hot standby", "[e2e][postgres]") {
  PostgresServer primary;
  auto standby = primary.StartStandby();
  TempDir dir;
  const std::string lag_1h = "max_replica_lag: 1h\n";

  // Nothing replayed yet: the lag cannot be known, which is never healthy.
  const ProbeResult fresh = Probe(TcpSpec(*standby, dir, lag_1h));
  CHECK(fresh.status == ProbeStatus::kUnknown);
  CHECK(fresh.reason == ProbeReason::kReplicaLag);

  primary.Sql("CREATE TABLE replicated ()");
  REQUIRE(PollUntil([&] { return standby->Sql("SELECT pg_last_xact_replay_timestamp() IS NOT NULL") == "t"; }, 20s));
  const ProbeResult within = Probe(TcpSpec(*standby, dir, lag_1h));
  CHECK(within.status == ProbeStatus::kHealthy);
  CHECK(Observed(within, "replica_lag_seconds") >= 0);
  CHECK_THAT(within.detail, Catch::Contains("standby replay"));

  const ProbeResult on_primary = Probe(TcpSpec(primary, dir, lag_1h));
  CHECK(on_primary.status == ProbeStatus::kHealthy);
  CHECK(on_primary.Find("replica_lag_seconds") == nullptr);

  // The primary stays idle, so the last replayed commit only gets older.
  CHECK(PollUntil(
      [&] { return Probe(TcpSpec(*standby, dir, "max_replica_lag: 1s\n")).reason == ProbeReason::kReplicaLag; }, 20s));
}

TEST_CASE("postgres e2e: TLS and libpq's retry without TLS on a new socket", "[e2e][postgres]") {
  TestCerts certs;
  PostgresServer server;
  TempDir dir;
  server.Stop();
  server.EnableTls(certs.server.chain, certs.server.key);
  server.Start();

  const ProbeResult verified = Probe(TcpSpec(server, dir, "sslmode: verify-full\nsslrootcert: " + certs.ca.ca_cert()));
  CHECK(verified.status == ProbeStatus::kHealthy);
  const ProbeResult untrusted =
      Probe(TcpSpec(server, dir, "sslmode: verify-full\nsslrootcert: " + certs.other_ca.ca_cert()));
  CHECK(untrusted.status == ProbeStatus::kUnhealthy);
  CHECK(untrusted.reason == ProbeReason::kTlsError);
  CheckNoPassword(untrusted);

  // Only plain TCP may log in: with sslmode prefer libpq's TLS attempt is refused, and it
  // retries without TLS on a new socket, which the probe must wait on instead of the old one.
  server.Stop();
  server.SetTcpAuth("hostnossl all all 127.0.0.1/32 scram-sha-256\n");
  server.Start();
  const ProbeResult retried = Probe(TcpSpec(server, dir, "sslmode: prefer\n"));
  CHECK(retried.status == ProbeStatus::kHealthy);
  const ProbeResult tls_only = Probe(TcpSpec(server, dir, "sslmode: require\n"));
  CHECK(tls_only.status == ProbeStatus::kUnhealthy);
  CHECK(tls_only.reason == ProbeReason::kAuthFailed);  // 28000: no pg_hba.conf entry
}
