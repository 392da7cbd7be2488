#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

struct RedisServerOptions {
  std::string password;                   // requirepass (the default user's password)
  std::vector<std::string> acl_users;     // `user` lines without the keyword: "alice on >pw ~* +@all"
  std::optional<int> replica_of_port;     // replicaof 127.0.0.1 PORT (with masterauth = `password`)
  std::string data_dir;                   // where dump.rdb is read and written; default: a temp dir
  std::vector<std::string> extra_config;  // more redis.conf lines, as they are
  // TLS only: the server listens with tls-port (and no plain port), without client certificates.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// A real redis-server (Debian's /usr/bin/redis-server, 7.0) on 127.0.0.1:<free port>, run from a
// generated config in a temp dir: no persistence unless `data_dir` holds a dump.rdb, log to a file.
// The constructor returns once the port accepts connections (a bounded poll) and throws
// std::runtime_error with the server's log when it does not start. The destructor kills it.
class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() { return process_ && process_->running(); }

  // SIGKILL, and waits until it is gone: connecting is then refused.
  void Kill();
  // SIGSTOP / SIGCONT: while stopped, the kernel still completes TCP handshakes but nothing answers.
  void Pause();
  void Resume();

  // redis-cli against this server (plain TCP only; authenticated with `password` when set): its stdout.
  std::string Cli(const std::vector<std::string>& arguments) const;
  // The value of `field` in `INFO <section>` as redis-cli shows it ("" when absent).
  std::string InfoField(const std::string& section, const std::string& field) const;
  std::string Log() const;

 private:
  RedisServerOptions options_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace runbookd::testing
