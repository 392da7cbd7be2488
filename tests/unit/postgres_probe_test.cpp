// The postgres probe without a server: its pure parts (libpq message parsing, the mapping of
// outcomes to reasons, the connection-usage and replica-lag assessment, the spec), and its
// deadline against a blackholed address, a silent peer and a refused port.
#include "probes/postgres/postgres_probe.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "probes/postgres/postgres_config.hpp"
#include "probes/postgres/pq_diagnosis.hpp"
#include "probes/postgres/server_stats.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/unit/tcp_probe_harness.hpp"

using namespace std::chrono_literals;
using namespace runbookd::postgres;
using namespace runbookd::probetest;
using runbookd::ProbeReason;
using runbookd::ProbeResult;
using runbookd::ProbeStatus;
using runbookd::probes::postgres::MakeProbeFactory;

namespace {

// Messages as libpq 15 words them in verbose mode, captured from a real server.
const char* kWrongPassword =
    "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  28P01: password authentication failed for "
    "user \"probe\"\nLOCATION:  auth_failed, auth.c:334\n";
const char* kTooMany =
    "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  53300: sorry, too many clients already\n"
    "LOCATION:  InitProcess, proc.c:357\n";
const char* kNotAccepting =
    "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  57P03: the database system is not accepting "
    "connections\nDETAIL:  Hot standby mode is disabled.\nLOCATION:  ProcessStartupPacket, postmaster.c:2426\n";
const char* kRefused =
    "connection to server at \"127.0.0.1\", port 54328 failed: Connection refused\n\tIs the server running on that "
    "host and accepting TCP/IP connections?\n";
const char* kNoPassword =
    "connection to server at \"127.0.0.1\", port 54329 failed: fe_sendauth: no password supplied\n";

ConnectOutcome Failed(ConnectStage stage, std::string message, bool password_needed = false) {
  ConnectOutcome outcome;
  outcome.status = ConnectOutcome::Status::kFailed;
  outcome.stage = stage;
  outcome.message = std::move(message);
  outcome.password_needed = password_needed;
  return outcome;
}

ConnectOutcome TimedOut(ConnectStage stage) {
  ConnectOutcome outcome;
  outcome.status = ConnectOutcome::Status::kTimeout;
  outcome.stage = stage;
  return outcome;
}

std::optional<PostgresCheck> Spec(const std::string& yaml, std::string& errors) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(yaml, "spec.yaml", diags);
  auto check = ReadPostgresSpec(doc.root());
  doc.CheckUnknownKeys();
  errors = diags.Format();
  return check;
}

std::string Keyword(const ConnectionKeywords& keywords, const std::string& name) {
  for (const auto& [k, v] : keywords) {
    if (k == name) return v;
  }
  return "<absent>";
}

ServerStats Stats(int64_t used, int64_t max, int64_t reserved) { return ServerStats{used, max, reserved, false, {}}; }

}  // namespace

TEST_CASE("postgres: the SQLSTATE and a one-line detail come out of libpq's verbose messages", "[postgres]") {
  CHECK(SqlStateOf(kWrongPassword) == "28P01");
  CHECK(SqlStateOf(kTooMany) == "53300");
  CHECK(SqlStateOf(kNotAccepting) == "57P03");
  CHECK(SqlStateOf(kRefused).empty());
  CHECK(SqlStateOf(kNoPassword).empty());
  // Several attempts (SSL, then without): the last one's state counts.
  CHECK(SqlStateOf(std::string(kTooMany) + kWrongPassword) == "28P01");

  CHECK(OneLine(kWrongPassword) ==
        "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  password authentication failed for user "
        "\"probe\"");
  CHECK(OneLine(kNotAccepting) ==
        "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  the database system is not accepting "
        "connections; DETAIL:  Hot standby mode is disabled.");
  CHECK(OneLine(kRefused) ==
        "connection to server at \"127.0.0.1\", port 54328 failed: Connection refused; Is the server running on that "
        "host and accepting TCP/IP connections?");
}

TEST_CASE("postgres: server errors map to reasons", "[postgres]") {
  CHECK(ReasonForSqlState("28P01") == ProbeReason::kAuthFailed);
  CHECK(ReasonForSqlState("28000") == ProbeReason::kAuthFailed);
  CHECK(ReasonForSqlState("53300") == ProbeReason::kTooManyConnections);
  CHECK(ReasonForSqlState("57P03") == ProbeReason::kStarting);
  CHECK(ReasonForSqlState("3D000") == ProbeReason::kNotFound);
  CHECK(ReasonForSqlState("57014") == ProbeReason::kTimeout);
  CHECK(ReasonForSqlState("57P01") == ProbeReason::kConnectionFailed);
  CHECK(ReasonForSqlState("") == ProbeReason::kConnectionFailed);
}

TEST_CASE("postgres: PQping's answers from a connect outcome", "[postgres]") {
  CHECK(PingAnswerOf(ConnectOutcome{ConnectOutcome::Status::kConnected}) == PingAnswer::kOk);
  // Any server error but 57P03 means the server is up: a wrong password, too many clients.
  CHECK(PingAnswerOf(Failed(ConnectStage::kStartup, kWrongPassword)) == PingAnswer::kOk);
  CHECK(PingAnswerOf(Failed(ConnectStage::kStartup, kTooMany)) == PingAnswer::kOk);
  CHECK(PingAnswerOf(Failed(ConnectStage::kStartup, kNoPassword, true)) == PingAnswer::kOk);
  CHECK(PingAnswerOf(Failed(ConnectStage::kStartup, kNotAccepting)) == PingAnswer::kReject);
  CHECK(PingAnswerOf(Failed(ConnectStage::kNetwork, kRefused)) == PingAnswer::kNoResponse);
  CHECK(PingAnswerOf(TimedOut(ConnectStage::kNetwork)) == PingAnswer::kNoResponse);
  CHECK(PingAnswerOf(Failed(ConnectStage::kParameters, "invalid sslmode value: \"x\"\n")) == PingAnswer::kNoAttempt);
}

TEST_CASE("postgres: failed connects in query mode", "[postgres]") {
  const std::string peer = "127.0.0.1:5432";
  auto wrong = JudgeFailedConnect(Failed(ConnectStage::kStartup, kWrongPassword), ProbeMode::kQuery, peer);
  CHECK(wrong.status == ProbeStatus::kUnhealthy);
  CHECK(wrong.reason == ProbeReason::kAuthFailed);
  CHECK(wrong.up);
  CHECK(wrong.detail ==
        "connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  password authentication failed for user "
        "\"probe\" (SQLSTATE 28P01)");

  auto none = JudgeFailedConnect(Failed(ConnectStage::kStartup, kNoPassword, true), ProbeMode::kQuery, peer);
  CHECK(none.reason == ProbeReason::kAuthFailed);
  CHECK(none.detail == "127.0.0.1:5432 asks for a password and none is configured");

  auto full = JudgeFailedConnect(Failed(ConnectStage::kStartup, kTooMany), ProbeMode::kQuery, peer);
  CHECK(full.reason == ProbeReason::kTooManyConnections);
  CHECK(full.up);

  auto starting = JudgeFailedConnect(Failed(ConnectStage::kStartup, kNotAccepting), ProbeMode::kQuery, peer);
  CHECK(starting.status == ProbeStatus::kUnhealthy);
  CHECK(starting.reason == ProbeReason::kStarting);
  CHECK_FALSE(starting.up);

  auto refused = JudgeFailedConnect(Failed(ConnectStage::kNetwork, kRefused), ProbeMode::kQuery, peer);
  CHECK(refused.reason == ProbeReason::kConnectionRefused);
  CHECK_FALSE(refused.up);
  auto gone_socket = JudgeFailedConnect(
      Failed(ConnectStage::kNetwork,
             "connection to server on socket \"/run/x/.s.PGSQL.5432\" failed: No such file or directory\n"),
      ProbeMode::kQuery, "/run/x");
  CHECK(gone_socket.reason == ProbeReason::kConnectionRefused);
  auto unreachable =
      JudgeFailedConnect(Failed(ConnectStage::kNetwork,
                                "connection to server at \"10.0.0.1\", port 5432 failed: Network is unreachable\n"),
                         ProbeMode::kQuery, peer);
  CHECK(unreachable.reason == ProbeReason::kConnectionFailed);

  auto tls = JudgeFailedConnect(Failed(ConnectStage::kTls, "server does not support SSL, but SSL was required\n"),
                                ProbeMode::kQuery, peer);
  CHECK(tls.reason == ProbeReason::kTlsError);
  auto closed = JudgeFailedConnect(Failed(ConnectStage::kStartup, "server closed the connection unexpectedly\n"),
                                   ProbeMode::kQuery, peer);
  CHECK(closed.reason == ProbeReason::kConnectionFailed);

  auto timeout = JudgeFailedConnect(TimedOut(ConnectStage::kNetwork), ProbeMode::kQuery, peer);
  CHECK(timeout.status == ProbeStatus::kUnhealthy);
  CHECK(timeout.reason == ProbeReason::kTimeout);
  CHECK(timeout.detail == "connecting to 127.0.0.1:5432 timed out");

  auto no_attempt =
      JudgeFailedConnect(Failed(ConnectStage::kParameters, "invalid port number\n"), ProbeMode::kQuery, peer);
  CHECK(no_attempt.status == ProbeStatus::kUnknown);
  CHECK(no_attempt.reason == ProbeReason::kMisconfigured);
}

TEST_CASE("postgres: failed connects in ping mode follow PQping", "[postgres]") {
  const std::string peer = "127.0.0.1:5432";
  for (const char* up_but_refusing : {kWrongPassword, kTooMany}) {
    auto verdict = JudgeFailedConnect(Failed(ConnectStage::kStartup, up_but_refusing), ProbeMode::kPing, peer);
    CHECK(verdict.status == ProbeStatus::kHealthy);
    CHECK(verdict.reason == ProbeReason::kOk);
    CHECK(verdict.up);
  }
  CHECK(JudgeFailedConnect(Failed(ConnectStage::kStartup, kNoPassword, true), ProbeMode::kPing, peer).status ==
        ProbeStatus::kHealthy);
  CHECK(JudgeFailedConnect(Failed(ConnectStage::kStartup, kNotAccepting), ProbeMode::kPing, peer).reason ==
        ProbeReason::kStarting);
  CHECK(JudgeFailedConnect(Failed(ConnectStage::kNetwork, kRefused), ProbeMode::kPing, peer).reason ==
        ProbeReason::kConnectionRefused);
}

TEST_CASE("postgres: failed queries", "[postgres]") {
  QueryOutcome timeout;
  timeout.status = QueryOutcome::Status::kTimeout;
  CHECK(JudgeFailedQuery(timeout, "db:5432").reason == ProbeReason::kTimeout);
  QueryOutcome shutdown;
  shutdown.sqlstate = "57P01";
  shutdown.message = "terminating connection due to administrator command";
  auto verdict = JudgeFailedQuery(shutdown, "db:5432");
  CHECK(verdict.reason == ProbeReason::kConnectionFailed);
  CHECK(verdict.detail == "query failed: terminating connection due to administrator command (SQLSTATE 57P01)");
}

TEST_CASE("postgres: the statistics row", "[postgres]") {
  auto primary = ParseServerStats({"4", "100", "3", "f", std::nullopt});
  REQUIRE(primary);
  CHECK(primary->client_connections == 4);
  CHECK(primary->max_connections == 100);
  CHECK(primary->reserved_connections == 3);
  CHECK_FALSE(primary->in_recovery);
  CHECK_FALSE(primary->replay_lag_seconds);
  auto standby = ParseServerStats({"1", "100", "3", "t", "12.345678"});
  REQUIRE(standby);
  CHECK(standby->in_recovery);
  CHECK(standby->replay_lag_seconds == Approx(12.345678));
  CHECK_FALSE(ParseServerStats({"1", "100", "3", "t"}));
  CHECK_FALSE(ParseServerStats({"x", "100", "3", "f", std::nullopt}));
  CHECK_FALSE(ParseServerStats({"1", "100", std::nullopt, "f", std::nullopt}));
  CHECK_FALSE(ParseServerStats({"1", "100", "3", "yes", std::nullopt}));
}

TEST_CASE("postgres: connection usage against max_connections minus reserved", "[postgres]") {
  ProbeResult ok;
  AssessServerStats(Stats(5, 20, 3), {}, "db:5432", ok);
  CHECK(ok.status == ProbeStatus::kHealthy);
  CHECK(ok.detail == "db:5432 answers queries; 5 of 17 connections in use");
  CHECK(Observed(ok, "connections_used") == 5);
  CHECK(Observed(ok, "connections_max") == 17);
  CHECK(ok.Find("replica_lag_seconds") == nullptr);

  ProbeResult full;
  AssessServerStats(Stats(17, 20, 3), {}, "db:5432", full);
  CHECK(full.status == ProbeStatus::kUnhealthy);
  CHECK(full.reason == ProbeReason::kTooManyConnections);

  ProbeResult below_headroom;
  AssessServerStats(Stats(15, 20, 3), {2, std::nullopt}, "db:5432", below_headroom);
  CHECK(below_headroom.reason == ProbeReason::kTooManyConnections);
  CHECK(below_headroom.detail == "db:5432: 15 of 17 connections in use (connection_headroom 2)");
  ProbeResult above_headroom;
  AssessServerStats(Stats(14, 20, 3), {2, std::nullopt}, "db:5432", above_headroom);
  CHECK(above_headroom.status == ProbeStatus::kHealthy);
}

TEST_CASE("postgres: replica lag on a standby", "[postgres]") {
  const UsageLimits limits{0, 30s};
  ServerStats standby{1, 20, 3, true, 12.0};
  ProbeResult within;
  AssessServerStats(standby, limits, "db:5432", within);
  CHECK(within.status == ProbeStatus::kHealthy);
  CHECK(Observed(within, "replica_lag_seconds") == 12.0);
  CHECK(within.detail == "db:5432 answers queries; 1 of 17 connections in use; standby replay 12.0 s behind");

  standby.replay_lag_seconds = 45.5;
  ProbeResult behind;
  AssessServerStats(standby, limits, "db:5432", behind);
  CHECK(behind.status == ProbeStatus::kUnhealthy);
  CHECK(behind.reason == ProbeReason::kReplicaLag);
  CHECK(behind.detail == "db:5432: standby replay is 45.5 s behind (max_replica_lag 30.0 s)");

  // Without max_replica_lag the lag is only observed.
  ProbeResult unchecked;
  AssessServerStats(standby, {}, "db:5432", unchecked);
  CHECK(unchecked.status == ProbeStatus::kHealthy);

  // Nothing replayed yet: the lag is missing data, and missing data is never healthy.
  standby.replay_lag_seconds.reset();
  ProbeResult unknown;
  AssessServerStats(standby, limits, "db:5432", unknown);
  CHECK(unknown.status == ProbeStatus::kUnknown);
  CHECK(unknown.reason == ProbeReason::kReplicaLag);
  CHECK(unknown.Find("replica_lag_seconds") == nullptr);

  // A primary has no replica lag to check.
  ProbeResult primary;
  AssessServerStats(Stats(1, 20, 3), limits, "db:5432", primary);
  CHECK(primary.status == ProbeStatus::kHealthy);
}

TEST_CASE("postgres: spec defaults and connection keywords", "[postgres]") {
  std::string errors;
  auto ping = Spec("host: db.internal", errors);
  INFO(errors);
  REQUIRE(ping);
  CHECK(ping->mode == ProbeMode::kPing);
  CHECK(ping->port == 5432);
  CHECK(ping->dbname == "postgres");
  CHECK(ping->sslmode == "prefer");

  runbookd::testing::TempDir dir;
  const std::string password_file = dir.Write("pw", "s3cret\n");
  auto query = Spec("host: db.internal\nport: 6432\nuser: monitor\npassword_file: " + password_file +
                        "\nconnection_headroom: 5\nmax_replica_lag: 30s\nsslmode: require",
                    errors);
  INFO(errors);
  REQUIRE(query);
  CHECK(query->mode == ProbeMode::kQuery);
  CHECK(query->connection_headroom == 5);
  CHECK(query->max_replica_lag == std::chrono::milliseconds(30000));

  const ConnectionKeywords keywords = MakeConnectionKeywords(*query, "10.1.2.3");
  CHECK(Keyword(keywords, "host") == "db.internal");
  CHECK(Keyword(keywords, "hostaddr") == "10.1.2.3");
  CHECK(Keyword(keywords, "port") == "6432");
  CHECK(Keyword(keywords, "user") == "monitor");
  CHECK(Keyword(keywords, "password") == "s3cret");
  CHECK(Keyword(keywords, "sslmode") == "require");
  CHECK(Keyword(keywords, "gssencmode") == "disable");
  // libpq ignores connect_timeout in PQconnectPoll; the probe's deadline is what counts.
  CHECK(Keyword(keywords, "connect_timeout") == "<absent>");

  auto socket = Spec("host: /run/postgresql", errors);
  REQUIRE(socket);
  CHECK(socket->unix_socket());
  CHECK(Keyword(MakeConnectionKeywords(*socket, ""), "hostaddr") == "<absent>");
  CHECK(Keyword(MakeConnectionKeywords(*ping, "10.1.2.3"), "password") == "<absent>");
}

TEST_CASE("postgres: spec errors", "[postgres]") {
  std::string errors;
  CHECK_FALSE(Spec("port: 5432", errors));
  CHECK_THAT(errors, Catch::Contains("host"));
  CHECK_FALSE(Spec("host: db\nmode: query", errors));
  CHECK_THAT(errors, Catch::Contains("mode query needs a user"));
  CHECK_FALSE(Spec("host: db\nport: 70000", errors));
  CHECK_FALSE(Spec("host: db\nuser: u\nmode: pingg", errors));
  CHECK_THAT(errors, Catch::Contains("did you mean"));
  CHECK_FALSE(Spec("host: db\nsslmode: allow", errors));
  CHECK_FALSE(Spec("host: db\nconnection_headroom: 3", errors));
  CHECK_THAT(errors, Catch::Contains("connection_headroom needs mode query"));
  CHECK_FALSE(Spec("host: db\nuser: u\nmode: ping\nmax_replica_lag: 10s", errors));
  CHECK_THAT(errors, Catch::Contains("max_replica_lag needs mode query"));
  CHECK_FALSE(Spec("host: db\nuser: u\nmax_replica_lag: 0s", errors));
  CHECK_FALSE(Spec("host: db\nsslmode: disable\nsslrootcert: /etc/hostname", errors));
  CHECK_FALSE(Spec("host: db\nsslmode: verify-full\nsslrootcert: /nonexistent/ca.pem", errors));
  // Not a key: the probe's timeout is the deadline (unknown keys are reported after reading).
  Spec("host: db\nconnect_timeout: 5", errors);
  CHECK_THAT(errors, Catch::Contains("connect_timeout"));
}

TEST_CASE("postgres: the password never shows in config errors", "[postgres][secrets]") {
  runbookd::testing::TempDir dir;
  const std::string password = "hunter2-do-not-print";
  const std::string password_file = dir.Write("pw", password + "\n");
  std::string errors;
  CHECK_FALSE(Spec("host: db\npassword_file: " + password_file + "\nsslmode: nope\nbogus: 1", errors));
  CHECK_THAT(errors, Catch::Contains("a password needs a user"));
  CHECK(errors.find(password) == std::string::npos);
}

TEST_CASE("postgres: a refused port is connection_refused in both modes", "[postgres]") {
  const auto port = std::to_string(runbookd::testing::RefusedPort());
  for (const std::string mode : {"ping", "query"}) {
    auto out =
        RunOnce(*BuildProbe(MakeProbeFactory(), "host: 127.0.0.1\nport: " + port + "\nuser: probe\nmode: " + mode));
    INFO(mode << ": " << out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kConnectionRefused);
    CHECK(Observed(out.result, "up") == 0);
  }
}

TEST_CASE("postgres: a blackholed address times out within timeout + 100 ms", "[postgres]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  const std::string port = std::to_string(blackhole.port());
  for (const std::string& spec : {"host: 127.0.0.1\nport: " + port, "host: 127.0.0.1\nuser: probe\nport: " + port}) {
    auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec), 500ms);
    INFO(spec << ": " << out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kTimeout);
    CHECK(out.result.detail == "connecting to 127.0.0.1:" + port + " timed out");
    CHECK(out.elapsed >= 450ms);
    CHECK(out.elapsed <= 600ms);
  }
}

TEST_CASE("postgres: a peer that accepts but never answers times out within timeout + 100 ms", "[postgres]") {
  ScriptedServer silent([](ScriptedConnection& c) { c.WaitForClose(); });
  const std::string base = "host: 127.0.0.1\nuser: probe\nport: " + std::to_string(silent.port());
  // With sslmode prefer libpq first asks for SSL; with disable it sends the startup packet.
  for (const auto& [spec, detail] : {std::pair{base, "did not answer the SSL request in time"},
                                     std::pair{base + "\nsslmode: disable", "did not answer the login in time"}}) {
    auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec), 500ms);
    INFO(spec << ": " << out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kTimeout);
    CHECK_THAT(out.result.detail, Catch::Contains(detail));
    CHECK(out.elapsed >= 450ms);
    CHECK(out.elapsed <= 600ms);
  }
}

TEST_CASE("postgres: cancelling a run stops it at once", "[postgres]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto probe = BuildProbe(MakeProbeFactory(), "host: 127.0.0.1\nport: " + std::to_string(blackhole.port()));
  CHECK(RunCancelled(*probe, 100ms) <= 200ms);
}
