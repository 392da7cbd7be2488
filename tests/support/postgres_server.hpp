#pragma once

// A real PostgreSQL 15 for the postgres probe's e2e tests: initdb in a temp dir, the server on
// 127.0.0.1:<free port>, run as a non-root user (PostgreSQL refuses root).

#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

typedef struct pg_conn PGconn;

namespace runbookd::testing {

struct PostgresServerOptions {
  int max_connections = 20;
  int superuser_reserved_connections = 3;
};

// Connections held open until this object goes away (to fill max_connections).
class HeldConnections {
 public:
  HeldConnections() = default;
  ~HeldConnections();
  HeldConnections(HeldConnections&& other) noexcept;
  HeldConnections& operator=(HeldConnections&&) = delete;
  HeldConnections(const HeldConnections&) = delete;
  HeldConnections& operator=(const HeldConnections&) = delete;

  void Add(PGconn* connection) { connections_.push_back(connection); }
  size_t size() const { return connections_.size(); }

 private:
  std::vector<PGconn*> connections_;
};

// One PostgreSQL cluster in its own temp dir. When the test runs as root, initdb and the server
// run as the `postgres` system user (else `nobody`) through setpriv, and the temp dir is handed
// to that user. Superuser `postgres` logs in over the Unix socket (in the temp dir) without a
// password; role `probe` (no superuser) logs in over TCP with kProbePassword (scram-sha-256).
// Failures throw std::runtime_error with the server's log.
class PostgresServer {
 public:
  static constexpr const char* kProbeUser = "probe";
  // A space, both quotes and a backslash: the probe must pass it to libpq unmangled.
  static constexpr const char* kProbePassword = "pa ss'w\\rd\"x";

  // initdb, start, and create the probe role.
  explicit PostgresServer(PostgresServerOptions options = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& socket_dir() const { return dir_.path(); }
  std::string Log() const;

  // Fast shutdown; returns once the postmaster has exited. Connecting is then refused.
  void Stop();
  // Starts again and waits until the server accepts connections.
  void Start();
  // Stops, then starts as a standby with hot standby off and nothing to replay from: the server
  // runs but refuses every connection with 57P03 "the database system is not accepting
  // connections" (PQping's REJECT), as it does while starting up, and it stays so.
  void StartRejecting();

  // Serves TLS with this certificate chain and key from the next Start() on.
  void EnableTls(const std::string& chain_file, const std::string& key_file) const;
  // Replaces the TCP lines of pg_hba.conf (local connections stay trusted) from the next
  // Start() on.
  void SetTcpAuth(const std::string& hba_lines) const;

  // Runs SQL as the superuser with psql over the Unix socket; its output (unaligned, tuples only).
  std::string Sql(const std::string& sql) const;
  // Opens `count` connections as the probe role and holds them.
  HeldConnections Hold(int count) const;
  // A hot standby of this server (pg_basebackup -R), streaming from it, in its own temp dir.
  std::unique_ptr<PostgresServer> StartStandby() const;

 private:
  struct StandbyOf {
    const PostgresServer* primary;
  };
  PostgresServer(StandbyOf standby, PostgresServerOptions options);

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::vector<std::string> AsServerUser(std::vector<std::string> argv) const;
  void HandToServerUser(const std::string& path) const;
  void AppendConfig(const std::string& lines) const;
  // Picks a free port and writes the settings this harness depends on.
  void WriteBaseConfig();
  // Starts the postmaster and waits until postmaster.pid shows `status` ("ready", "standby").
  void StartAndWaitFor(const std::string& status);
  [[noreturn]] void Fail(const std::string& what) const;

  PostgresServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  int starts_ = 0;
  std::string log_file_;  // of the latest start
  std::unique_ptr<ChildProcess> postmaster_;
};

}  // namespace runbookd::testing
