#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// A runbookd started by a test with a config it wrote, on a free loopback port.
class RunbookdProcess {
 public:
  // `config_body` is YAML without the server and store blocks; those (listen on a free port, a
  // store in `dir`) are prepended. Files the config names (tokens) are relative to `dir`.
  RunbookdProcess(const TempDir& dir, const std::string& config_body, std::map<std::string, std::string> env = {});

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& config_file() const { return config_file_; }
  ChildProcess& process() { return *process_; }
  // Polls /-/ready until 200 (or the process exits, or the limit passes).
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(15));
  std::string Log() const { return process_->Log(); }

 private:
  int port_;
  std::string config_file_;
  std::unique_ptr<ChildProcess> process_;
};

std::string RunbookdBinary();

}  // namespace runbookd::testing
