#include "daemon/clients/process/run_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <set>

extern char** environ;

namespace runbookd::process {

namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Both ends of a pipe, closed on scope exit unless released.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      read_end = fds[0];
      write_end = fds[1];
    }
  }
  ~Pipe() {
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return read_end >= 0; }
  int ReleaseRead() { return std::exchange(read_end, -1); }
  void CloseWrite() {
    if (write_end >= 0) close(std::exchange(write_end, -1));
  }
};

// The two ends of a stream socket pair for the child's stdin (when `wanted`), closed on scope exit
// unless released.
struct SocketPair {
  int parent_end = -1;
  int child_end = -1;
  explicit SocketPair(bool wanted) {
    int fds[2];
    if (wanted && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0) {
      parent_end = fds[0];
      child_end = fds[1];
    }
  }
  ~SocketPair() {
    if (parent_end >= 0) close(parent_end);
    CloseChildEnd();
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  bool ok() const { return parent_end >= 0; }
  int ReleaseParentEnd() { return std::exchange(parent_end, -1); }
  void CloseChildEnd() {
    if (child_end >= 0) close(std::exchange(child_end, -1));
  }
};

// A started child that must be reaped. If it was not (the coroutine ended early or was
// destroyed with its io_context), the destructor kills the process group and waits for it, which
// is quick after SIGKILL.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) KillAndReap();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void Kill() const { kill(-pid_, SIGKILL); }

  // true once the child has exited (status in `status`), without blocking.
  bool TryReap(int* status) {
    const pid_t r = waitpid(pid_, status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      if (r < 0) *status = -1;  // someone else reaped it (SIGCHLD ignored): unknown
      reaped_ = true;
    }
    return reaped_;
  }

  int KillAndReap() {
    Kill();
    int status = -1;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// The daemon's environment with `extra` added (replacing variables of the same name), or `extra`
// alone.
std::vector<std::string> BuildEnvironment(const std::vector<std::pair<std::string, std::string>>& extra, bool inherit) {
  std::set<std::string> replaced;
  for (const auto& [name, value] : extra) replaced.insert(name);
  std::vector<std::string> out;
  for (char** e = inherit ? environ : nullptr; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (replaced.count(name) == 0) out.emplace_back(entry);
  }
  // Later entries of `extra` win, as with a shell's repeated assignments.
  std::set<std::string> emitted;
  for (auto it = extra.rbegin(); it != extra.rend(); ++it) {
    if (emitted.insert(it->first).second) out.push_back(it->first + "=" + it->second);
  }
  return out;
}

std::vector<char*> PointersTo(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts the child, or gives the errno of why not. `stdin_fd` < 0: /dev/null.
int Spawn(const ProcessSpec& spec, int stdin_fd, int stdout_fd, int stderr_fd, pid_t* pid) {
  const bool search_path = spec.command.find('/') == std::string::npos;
  // Say why a named file cannot run, the same on every libc (some report a failed exec only as
  // exit status 127 of the child).
  if (!search_path && access(spec.command.c_str(), X_OK) != 0) return errno;
  std::vector<std::string> argv_strings{spec.command};
  argv_strings.insert(argv_strings.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_strings = BuildEnvironment(spec.env, spec.inherit_environment);
  std::vector<char*> argv = PointersTo(argv_strings);
  std::vector<char*> envp = PointersTo(env_strings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  // Sockets and files of the daemon stay out of the child, CLOEXEC or not.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that a timeout kills whatever the child started too; default
  // signal dispositions and an empty mask, whatever the daemon uses itself.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  const int rc = search_path ? posix_spawnp(pid, spec.command.c_str(), &actions, &attr, argv.data(), envp.data())
                             : posix_spawn(pid, spec.command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

// Reads `fd` to its end, keeping up to `keep` bytes. When more than `keep` arrive and
// `kill_on_overflow` is set, kills the child and stops (a credential plugin printing megabytes is
// broken).
asio::awaitable<void> Drain(asio::posix::stream_descriptor& fd, std::string& out, size_t keep, bool kill_on_overflow,
                            const Child& child, bool& reached_end, bool& overflowed) {
  std::array<char, 16384> buffer;
  while (true) {
    auto [ec, n] = co_await fd.async_read_some(asio::buffer(buffer), kTuple);
    if (n > 0) {
      const size_t room = keep > out.size() ? keep - out.size() : 0;
      out.append(buffer.data(), std::min(n, room));
      if (n > room && kill_on_overflow) {
        overflowed = true;
        child.Kill();
        co_return;
      }
    }
    if (ec == asio::error::eof) {
      reached_end = true;
      co_return;
    }
    if (ec) co_return;  // cancelled by the deadline race, or a read error
  }
}

// Writes `data` to the child's stdin and closes it. A stream socket rather than a pipe: Asio sends
// with MSG_NOSIGNAL, so a child that exits without reading gives EPIPE here, not SIGPIPE to the
// daemon. Write errors end the feeding and nothing else: the exit status tells what happened.
asio::awaitable<void> Feed(asio::local::stream_protocol::socket& in, const std::optional<std::string>& data) {
  if (!data || !in.is_open()) co_return;
  if (!data->empty()) co_await asio::async_write(in, asio::buffer(*data), kTuple);
  boost::system::error_code ignored;
  in.shutdown(asio::socket_base::shutdown_send, ignored);
  in.close(ignored);
}

}  // namespace

asio::awaitable<ProcessResult> RunProcess(asio::any_io_executor ex, const ProcessSpec& spec, SteadyTime deadline) {
  using namespace asio::experimental::awaitable_operators;
  ProcessResult result;
  Pipe out_pipe;
  Pipe err_pipe;
  if (!out_pipe.ok() || !err_pipe.ok()) {
    result.start_error = std::string("cannot create pipes: ") + std::strerror(errno);
    co_return result;
  }
  SocketPair in_pair(spec.stdin_data.has_value());
  if (spec.stdin_data && !in_pair.ok()) {
    result.start_error = std::string("cannot create a socket pair: ") + std::strerror(errno);
    co_return result;
  }
  pid_t pid = -1;
  const int stdin_fd = spec.stdin_data ? in_pair.child_end : -1;
  if (const int rc = Spawn(spec, stdin_fd, out_pipe.write_end, err_pipe.write_end, &pid); rc != 0) {
    result.start_error = std::strerror(rc);
    co_return result;
  }
  Child child(pid);
  out_pipe.CloseWrite();  // so that the reads end when the child (and its children) exit
  err_pipe.CloseWrite();
  in_pair.CloseChildEnd();
  asio::posix::stream_descriptor out_fd(ex, out_pipe.ReleaseRead());
  asio::posix::stream_descriptor err_fd(ex, err_pipe.ReleaseRead());
  asio::local::stream_protocol::socket in(ex);
  if (spec.stdin_data) in.assign(asio::local::stream_protocol(), in_pair.ReleaseParentEnd());

  bool out_end = false, err_end = false, overflowed = false, ignored = false;
  asio::steady_timer timer(ex, deadline);
  auto raced = co_await (
      (Drain(out_fd, result.out, spec.max_stdout_bytes, spec.kill_on_stdout_overflow, child, out_end, overflowed) &&
       Drain(err_fd, result.err, spec.max_stderr_bytes, false, child, err_end, ignored) && Feed(in, spec.stdin_data)) ||
      timer.async_wait(kTuple));

  int status = -1;
  if (overflowed) {
    child.KillAndReap();
    result.status = ProcessResult::Status::kOutputTooLarge;
    co_return result;
  }
  if (!(out_end && err_end)) {
    child.KillAndReap();
    const bool timer_fired = raced.index() == 1 && !std::get<0>(std::get<1>(raced));
    result.status = timer_fired || std::chrono::steady_clock::now() >= deadline ? ProcessResult::Status::kTimeout
                                                                                : ProcessResult::Status::kCancelled;
    co_return result;
  }
  // Both pipes are closed: the child has exited or is about to. Poll briefly for its status
  // rather than block the event loop in waitpid on a child that closed its output but lingers.
  auto pause = std::chrono::milliseconds(1);
  while (!child.TryReap(&status)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      child.KillAndReap();
      result.status = ProcessResult::Status::kTimeout;
      co_return result;
    }
    timer.expires_after(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) {
      child.KillAndReap();
      result.status = ProcessResult::Status::kCancelled;
      co_return result;
    }
  }
  if (status >= 0 && WIFEXITED(status)) {
    result.status = ProcessResult::Status::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else if (status >= 0 && WIFSIGNALED(status)) {
    result.status = ProcessResult::Status::kSignaled;
    result.signal = WTERMSIG(status);
  } else {
    result.status = ProcessResult::Status::kExited;  // reaped elsewhere: the exit code is unknown
  }
  co_return result;
}

}  // namespace runbookd::process
