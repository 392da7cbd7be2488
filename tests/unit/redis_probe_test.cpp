// The redis probe against scripted RESP servers on loopback: the command sequence, error replies,
// broken peers, deadlines, cancellation, and the password kept out of every detail.
#include "probes/redis/redis_probe.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/unit/tcp_probe_harness.hpp"

using namespace std::chrono_literals;
using namespace runbookd::probetest;
using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::probes::redis::MakeProbeFactory;

namespace {

const std::string kPassword = "hunter2-s3cret";
const std::string kMasterInfo = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n";

// One RESP command as the server reads it (an array of bulk strings); nullopt at EOF.
std::optional<std::vector<std::string>> ReadCommand(ScriptedConnection& c) {
  const auto header = c.ReadLine();
  if (!header || header->empty() || header->front() != '*') return std::nullopt;
  std::vector<std::string> args;
  for (int i = std::stoi(header->substr(1)); i > 0; --i) {
    const auto length = c.ReadLine();
    const auto arg = c.ReadLine();
    if (!length || !arg) return std::nullopt;
    args.push_back(*arg);
  }
  return args;
}

std::string Bulk(const std::string& text) { return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n"; }

// A server that answers each command by `answer` (by its name) and records what it was sent.
class FakeRedis {
 public:
  using Answer = std::function<std::string(const std::vector<std::string>&)>;
  explicit FakeRedis(Answer answer)
      : server_([this, answer = std::move(answer)](ScriptedConnection& c) {
          while (auto command = ReadCommand(c)) {
            {
              std::lock_guard lock(mutex_);
              commands_.push_back(*command);
            }
            c.Send(answer(*command));
          }
        }) {}

  std::string address() const { return server_.address(); }
  std::vector<std::vector<std::string>> commands() {
    std::lock_guard lock(mutex_);
    return commands_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::string>> commands_;
  ScriptedServer server_;  // last: its thread stops before the rest goes
};

FakeRedis::Answer HealthyMaster() {
  return [](const std::vector<std::string>& command) -> std::string {
    if (command[0] == "PING") return "+PONG\r\n";
    if (command[0] == "INFO") return Bulk(kMasterInfo);
    return "+OK\r\n";
  };
}

// Answers PING with `reply`; everything else as a healthy master would.
FakeRedis::Answer PingAnswers(std::string reply) {
  return [reply](const std::vector<std::string>& command) -> std::string {
    if (command[0] == "PING") return reply;
    return HealthyMaster()(command);
  };
}

std::string PasswordFile(const runbookd::testing::TempDir& dir) { return dir.Write("pw", kPassword + "\n"); }

}  // namespace

TEST_CASE("redis probe: AUTH with user, SELECT, PING, INFO replication, in that order", "[redis]") {
  runbookd::testing::TempDir dir;
  FakeRedis redis(HealthyMaster());
  auto out = RunOnce(*BuildProbe(
      MakeProbeFactory(),
      "address: " + redis.address() + "\nusername: probe\npassword_file: " + PasswordFile(dir) + "\ndb: 2\n"));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.detail == redis.address() + ": master, 0 connected replicas");
  CHECK(Observed(out.result, "redis_up") == 1);
  CHECK(Observed(out.result, "redis_role_master") == 1);
  const std::vector<std::vector<std::string>> expected = {
      {"AUTH", "probe", kPassword}, {"SELECT", "2"}, {"PING"}, {"INFO", "replication"}};
  CHECK(redis.commands() == expected);
}

TEST_CASE("redis probe: without credentials only PING and INFO are sent", "[redis]") {
  FakeRedis redis(HealthyMaster());
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + redis.address()));
  CHECK(out.result.status == ProbeStatus::kHealthy);
  const std::vector<std::vector<std::string>> expected = {{"PING"}, {"INFO", "replication"}};
  CHECK(redis.commands() == expected);
}

TEST_CASE("redis probe: PING errors are distinct reasons", "[redis]") {
  struct Case {
    std::string reply;
    ProbeStatus status;
    ProbeReason reason;
  };
  const std::vector<Case> cases = {
      {"-LOADING Redis is loading the dataset in memory\r\n", ProbeStatus::kUnhealthy, ProbeReason::kLoading},
      {"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n", ProbeStatus::kUnhealthy,
       ProbeReason::kMasterDown},
      {"-NOAUTH Authentication required.\r\n", ProbeStatus::kUnhealthy, ProbeReason::kAuthFailed},
      {"-BUSY Redis is busy running a script.\r\n", ProbeStatus::kUnhealthy, ProbeReason::kProtocolError},
      {"+PANG\r\n", ProbeStatus::kUnhealthy, ProbeReason::kProtocolError},
      {"HTTP/1.1 400 Bad Request\r\n", ProbeStatus::kUnhealthy, ProbeReason::kProtocolError},
  };
  for (const Case& c : cases) {
    FakeRedis redis(PingAnswers(c.reply));
    auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + redis.address()));
    INFO(c.reply << " -> " << out.result.detail);
    CHECK(out.result.status == c.status);
    CHECK(out.result.reason == c.reason);
    CHECK(Observed(out.result, "redis_up") == 0);
  }
}

TEST_CASE("redis probe: the detail says what the server answered", "[redis]") {
  FakeRedis loading(PingAnswers("-LOADING Redis is loading the dataset in memory\r\n"));
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + loading.address()));
  CHECK(out.result.detail == loading.address() + " answered PING with -LOADING Redis is loading the dataset in memory");

  FakeRedis protected_server(PingAnswers("-NOAUTH Authentication required.\r\n"));
  auto noauth = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + protected_server.address()));
  CHECK(noauth.result.detail == protected_server.address() +
                                    " answered PING with -NOAUTH Authentication required. (the probe has no "
                                    "password_file or password_env)");
}

TEST_CASE("redis probe: the password never reaches the detail", "[redis]") {
  runbookd::testing::TempDir dir;
  const std::string spec = "password_file: " + PasswordFile(dir) + "\naddress: ";
  // A server that has renamed AUTH away echoes its arguments; another quotes it back plainly.
  FakeRedis renamed([](const std::vector<std::string>& command) -> std::string {
    if (command[0] != "AUTH") return "-NOAUTH Authentication required.\r\n";
    return "-ERR unknown command 'AUTH', with args beginning with: '" + command[1] + "' \r\n";
  });
  FakeRedis echo([](const std::vector<std::string>& command) -> std::string {
    return "-WRONGPASS " + command.back() + " is not the password\r\n";
  });
  for (FakeRedis* redis : {&renamed, &echo}) {
    auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec + redis->address()));
    INFO(out.result.detail);
    CHECK(out.result.reason == ProbeReason::kAuthFailed);
    CHECK(out.result.detail.find(kPassword) == std::string::npos);
    CHECK(out.result.detail.find("hunter2") == std::string::npos);
  }
  auto echoed = RunOnce(*BuildProbe(MakeProbeFactory(), spec + echo.address()));
  CHECK(echoed.result.detail == echo.address() + " answered AUTH with -WRONGPASS <secret> is not the password");
}

TEST_CASE("redis probe: a peer that closes before answering is connection_failed", "[redis]") {
  ScriptedServer server([](ScriptedConnection& c) { (void)c.ReadLine(); });
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address()));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionFailed);
  CHECK(out.result.detail == server.address() + " closed the connection before answering PING");
}

TEST_CASE("redis probe: a refused port is connection_refused", "[redis]") {
  const auto port = runbookd::testing::RefusedPort();
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(port)));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionRefused);
  CHECK(Observed(out.result, "redis_up") == 0);
}

TEST_CASE("redis probe: every stage ends within timeout + 100 ms", "[redis]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  ScriptedServer silent([](ScriptedConnection& c) { c.WaitForClose(); });
  const std::vector<std::string> specs = {
      "address: 127.0.0.1:" + std::to_string(blackhole.port()),                   // connect
      "address: " + silent.address(),                                             // reply
      "address: " + silent.address() + "\ntls:\n  insecure_skip_verify: true\n",  // handshake
  };
  for (const std::string& spec : specs) {
    auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec), 500ms);
    INFO(spec << " -> " << out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kTimeout);
    CHECK(out.elapsed >= 450ms);
    CHECK(out.elapsed <= 600ms);
  }
}

TEST_CASE("redis probe: cancelling a run stops it at once", "[redis]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  ScriptedServer silent([](ScriptedConnection& c) { c.WaitForClose(); });
  CHECK(RunCancelled(*BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(blackhole.port())),
                     100ms) <= 200ms);
  CHECK(RunCancelled(*BuildProbe(MakeProbeFactory(), "address: " + silent.address()), 100ms) <= 200ms);
}
