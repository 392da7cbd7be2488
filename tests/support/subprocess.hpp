#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runbookd::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or not started
  std::string out;
  std::string err;
};

// Runs argv to completion (argv[0] looked up in PATH), with extra environment variables and an
// optional working directory; stdin is /dev/null.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& cwd = {},
                         const std::map<std::string, std::string>& env = {}, const std::string& stdin_text = {});

// A long-running child (a real peer such as prometheus, or runbookd itself). Output goes to a log
// file so that a failing test can show it. The destructor kills the process group.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_file,
               const std::map<std::string, std::string>& env = {}, const std::string& cwd = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int signo);
  // Waits (bounded) for the process to exit; its exit code, or nullopt if still running.
  std::optional<int> Wait(std::chrono::milliseconds limit);
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_file_;
  std::optional<int> exit_code_;
};

// A TCP port that was free a moment ago on 127.0.0.1.
int FreePort();
// Polls until something accepts TCP connections on 127.0.0.1:port, or the limit passes.
bool WaitForPort(int port, std::chrono::milliseconds limit);
// Polls `check` every 50 ms until it returns true or the limit passes.
template <typename F>
bool PollUntil(F check, std::chrono::milliseconds limit);

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);

}  // namespace runbookd::testing

#include "tests/support/subprocess_poll.hpp"
