#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/clock.hpp"

// Short-lived child processes run from the event loop without blocking it: exec credential
// plugins (daemon/clients/k8s) and approval hooks (daemon/gates).
namespace runbookd::process {

struct ProcessSpec {
  std::string command;  // looked up in PATH when it contains no '/'
  std::vector<std::string> args;
  // With inherit_environment: added to the daemon's own environment, replacing variables of the
  // same name. Without: the child's whole environment (nothing of the daemon's leaks in).
  std::vector<std::pair<std::string, std::string>> env;
  bool inherit_environment = true;
  // Written to the child's stdin, which is then closed; nullopt: stdin is /dev/null. A child that
  // exits without reading it is not an error.
  std::optional<std::string> stdin_data;
  size_t max_stdout_bytes = 1024 * 1024;
  bool kill_on_stdout_overflow = true;  // else the rest is read and dropped, like stderr's
  size_t max_stderr_bytes = 4096;       // kept; the rest is read and dropped so the child never blocks
};

struct ProcessResult {
  enum class Status {
    kExited,          // exit_code is set
    kSignaled,        // signal is set
    kStartFailed,     // start_error says why (errno text)
    kTimeout,         // the deadline passed; the child was killed
    kCancelled,       // the caller cancelled; the child was killed
    kOutputTooLarge,  // stdout exceeded max_stdout_bytes (kill_on_stdout_overflow); the child was killed
  };
  Status status = Status::kStartFailed;
  int exit_code = -1;
  int signal = 0;
  std::string start_error;
  std::string out;  // stdout (may hold secrets: never log it)
  std::string err;  // the first max_stderr_bytes of stderr
};

// Starts the child (its own process group, no inherited descriptors), feeds its stdin, reads
// stdout and stderr through asio descriptors on `ex`, and reaps it with waitpid. At `deadline`, or
// when the caller cancels, the whole process group is killed and reaped; no zombie is left, even
// when the coroutine is destroyed mid-way.
boost::asio::awaitable<ProcessResult> RunProcess(boost::asio::any_io_executor ex, const ProcessSpec& spec,
                                                 SteadyTime deadline);

}  // namespace runbookd::process
