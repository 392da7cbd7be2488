#include "tests/support/redis_server.hpp"

#include <signal.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

namespace runbookd::testing {

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";

std::string Config(const RedisServerOptions& options, const std::string& dir, int port) {
  std::ostringstream conf;
  conf << "bind 127.0.0.1\n"
       << "daemonize no\n"
       << "save \"\"\n"
       << "appendonly no\n"
       << "dir " << (options.data_dir.empty() ? dir : options.data_dir) << "\n";
  if (options.tls_cert_file.empty()) {
    conf << "port " << port << "\n";
  } else {
    conf << "port 0\ntls-port " << port << "\n"
         << "tls-cert-file " << options.tls_cert_file << "\n"
         << "tls-key-file " << options.tls_key_file << "\n"
         << "tls-auth-clients no\n";
  }
  if (!options.password.empty()) conf << "requirepass " << options.password << "\n";
  for (const std::string& user : options.acl_users) conf << "user " << user << "\n";
  if (options.replica_of_port) {
    conf << "replicaof 127.0.0.1 " << *options.replica_of_port << "\n";
    if (!options.password.empty()) conf << "masterauth " << options.password << "\n";
  }
  for (const std::string& line : options.extra_config) conf << line << "\n";
  return conf.str();
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  // A port that was free a moment ago may be taken meanwhile: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    const std::string conf =
        dir_.Write("redis-" + std::to_string(attempt) + ".conf", Config(options_, dir_.path(), port_));
    const std::string log = dir_.path() + "/redis-" + std::to_string(attempt) + ".log";
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{kRedisServer, conf}, log);
    const bool up =
        PollUntil([this] { return !process_->running() || WaitForPort(port_, std::chrono::milliseconds(0)); },
                  std::chrono::seconds(10));
    if (up && process_->running()) return;
    if (!process_->running()) continue;  // most likely the port was taken
    throw std::runtime_error("redis-server did not listen within 10 s:\n" + process_->Log());
  }
  throw std::runtime_error("redis-server did not start:\n" + (process_ ? process_->Log() : std::string()));
}

RedisServer::~RedisServer() = default;  // ChildProcess SIGKILLs it (stopped or not)

void RedisServer::Kill() {
  process_->Signal(SIGKILL);
  if (!process_->Wait(std::chrono::seconds(10))) throw std::runtime_error("redis-server survived SIGKILL");
}

void RedisServer::Pause() { process_->Signal(SIGSTOP); }

void RedisServer::Resume() { process_->Signal(SIGCONT); }

std::string RedisServer::Cli(const std::vector<std::string>& arguments) const {
  std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(port_)};
  if (!options_.password.empty()) {
    argv.insert(argv.end(), {"--no-auth-warning", "-a", options_.password});
  }
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv).out;
}

std::string RedisServer::InfoField(const std::string& section, const std::string& field) const {
  std::istringstream lines(Cli({"INFO", section}));
  const std::string prefix = field + ":";
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string RedisServer::Log() const { return process_ ? process_->Log() : std::string(); }

}  // namespace runbookd::testing
