// Crash durability: a process writing through StoreWriter is SIGKILLed mid-stream; every write it
// acknowledged must be in the store when it is opened again.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "daemon/store/store_writer.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

// Large batches make each commit long (about a megabyte of WAL), so a kill right after an ack
// would land inside the next commit, where an ack given too early would show as a lost write.
constexpr int kJobsInFlight = 128;
constexpr int kAlertsPerJob = 10;

std::string Fingerprint(uint64_t n) { return "crash" + std::to_string(n); }

// The child: submits jobs forever, keeping kJobsInFlight queued; writes "N\n" to `ack_fd` once
// job N is committed. Never returns normally; the parent kills it.
[[noreturn]] void WriteUntilKilled(const std::string& path, uint64_t first_job, int ack_fd) {
  signal(SIGPIPE, SIG_IGN);
  auto store = Store::Open(path);
  if (!store) _exit(2);
  boost::asio::io_context io;
  StoreWriter writer(std::move(store).value(), io.get_executor());
  uint64_t next = first_job;
  std::function<void()> submit = [&] {
    const uint64_t job = next++;
    writer.Submit(
        [job](Store& s) -> Status {
          for (int i = 0; i < kAlertsPerJob; ++i) {
            auto upserted = s.UpsertAlert(FiringAlert(Fingerprint(job * kAlertsPerJob + i), At(0), At(1)));
            if (!upserted) return upserted.error();
          }
          return Ok();
        },
        [&, job](Status status) {
          if (!status) _exit(3);
          const std::string line = std::to_string(job) + "\n";  // < PIPE_BUF: written atomically
          if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
          submit();
        });
  };
  for (int i = 0; i < kJobsInFlight; ++i) submit();
  io.run();
  _exit(5);
}

// Reads acknowledged job numbers from `fd` until `want` have come, EOF, or the limit passes.
void ReadAcks(int fd, std::string& buffer, size_t want, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (static_cast<size_t>(std::count(buffer.begin(), buffer.end(), '\n')) < want) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left <= 0ms) return;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::set<uint64_t> ParseAcks(const std::string& buffer) {
  std::set<uint64_t> acks;
  std::istringstream lines(buffer);
  std::string line;
  while (std::getline(lines, line)) {
    if (!lines.eof()) acks.insert(std::stoull(line));  // a line cut by the kill has no '\n'
  }
  return acks;
}

// Runs one child, kills it after `kill_after` acks, and returns every job it acknowledged.
std::set<uint64_t> RunAndKill(const std::string& path, uint64_t first_job, size_t kill_after) {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    WriteUntilKilled(path, first_job, fds[1]);
  }
  close(fds[1]);
  std::string buffer;
  ReadAcks(fds[0], buffer, kill_after, 60s);
  kill(pid, SIGKILL);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  INFO("child exit code " << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1));
  CHECK(WIFSIGNALED(wstatus));              // it was still writing, not exited with an error
  ReadAcks(fds[0], buffer, SIZE_MAX, 10s);  // what it acknowledged before dying; EOF ends it
  close(fds[0]);
  return ParseAcks(buffer);
}

}  // namespace

TEST_CASE("every acknowledged write survives SIGKILL of the writing process", "[store][crash]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  uint64_t first_job = 0;
  for (int round = 0; round < 5; ++round) {  // each round also recovers the previous round's WAL
    const std::set<uint64_t> acked = RunAndKill(path, first_job, 1000 + 700 * round);
    INFO("round " << round << ": " << acked.size() << " jobs acknowledged");
    REQUIRE(acked.size() >= 1000);
    auto store = Store::Open(path);
    REQUIRE(store.ok());
    size_t missing = 0;
    for (const uint64_t job : acked) {
      for (int i = 0; i < kAlertsPerJob; ++i) {
        auto alert = store->GetAlert(Fingerprint(job * kAlertsPerJob + i), At(0));
        if (!alert.ok() || !alert->has_value()) ++missing;
      }
    }
    CHECK(missing == 0);
    first_job = *acked.rbegin() + 1000;
  }
}
