// The external approval hook with real processes: scripts written by each test, run by argv.
#include "daemon/gates/exec_hook_gate.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace runbookd::testing;
using namespace std::chrono_literals;

namespace {

std::string WriteExecutable(const TempDir& dir, const std::string& name, const std::string& script) {
  const std::string path = dir.Write(name, script);
  chmod(path.c_str(), 0755);
  return path;
}

GateDecision RunCheck(const ExecHookGate& gate, const GateRequest& request) {
  boost::asio::io_context io;
  std::optional<GateDecision> decision;
  boost::asio::co_spawn(io, gate.Check(request), [&](std::exception_ptr error, GateDecision d) {
    if (error) std::rethrow_exception(error);
    decision = std::move(d);
  });
  io.run();
  REQUIRE(decision);
  return *decision;
}

struct Fixture {
  TempDir dir;
  ActionPlan plan;
  GateRequest request;

  Fixture() {
    plan.action = "restart-api";
    plan.type = "k8s_rollout_restart";
    plan.target = "production/deployment/api";
    plan.summary = "restart production/api (3 pods) — \"quoted\" and ünïcode";
    plan.steps = {"PATCH /apis/apps/v1/namespaces/production/deployments/api"};
    plan.details = {{"restartedAt", "2027-01-15T08:00:00Z"}};
    request.plan = &plan;
    request.action = "restart-api";
    request.rule = "APIEndpointDown";
    request.incident_id = 42;
    request.labels = {{"action", "restart-api"}, {"rule", "APIEndpointDown"}, {"team", "shop"}};
    request.risk = ActionRisk::kReversible;
    request.approval_required = false;
    request.now = WallTime(std::chrono::seconds(1'800'000'000));
  }

  ExecHookGate Hook(const std::string& name, const std::string& script, std::vector<std::string> args = {},
                    std::chrono::milliseconds timeout = 10s) {
    ExecHookSettings settings;
    settings.command = {WriteExecutable(dir, name, script)};
    settings.command.insert(settings.command.end(), args.begin(), args.end());
    settings.timeout = timeout;
    return ExecHookGate(settings);
  }
};

// Gone from the process table: exited and reaped, not a zombie.
bool Gone(pid_t pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

// Dead: gone, or a zombie waiting for whoever reaps orphans.
bool Dead(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

}  // namespace

TEST_CASE("exec hook: exit 0 allows") {
  Fixture f;
  const GateDecision d = RunCheck(f.Hook("allow.sh", "#!/bin/sh\ncat >/dev/null\nexit 0\n"), f.request);
  CHECK(d.gate == "hook");
  CHECK(d.verdict == GateVerdict::kAllow);
  CHECK(d.reason == "approval hook allow.sh allowed it");
}

TEST_CASE("exec hook: another exit denies with the first line of stderr") {
  Fixture f;
  const GateDecision d = RunCheck(
      f.Hook("freeze.sh", "#!/bin/sh\necho 'change freeze until Monday (CHG-1234)' >&2\necho 'more' >&2\nexit 3\n"),
      f.request);
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.reason == "approval hook freeze.sh refused (exit 3): change freeze until Monday (CHG-1234)");
  CHECK_FALSE(d.escalate);

  const GateDecision long_line =
      RunCheck(f.Hook("long.sh", "#!/bin/sh\nhead -c 500 /dev/zero | tr '\\0' x >&2\nexit 1\n"), f.request);
  CHECK(long_line.reason == "approval hook long.sh refused (exit 1): " + std::string(200, 'x') + "...");

  const GateDecision silent = RunCheck(f.Hook("silent.sh", "#!/bin/sh\nexit 2\n"), f.request);
  CHECK(silent.reason == "approval hook silent.sh refused (exit 2)");
}

TEST_CASE("exec hook: a hook past its timeout is killed with its process group, reaped, and denies") {
  Fixture f;
  const std::string pids = f.dir.path() + "/pids";
  // The hook starts a grandchild, reports both pids, then waits on it.
  const ExecHookGate gate = f.Hook("hang.sh", "#!/bin/sh\nsleep 60 &\necho $$ $! > \"$1\"\nwait\n", {pids}, 500ms);
  const auto started = std::chrono::steady_clock::now();
  const GateDecision d = RunCheck(gate, f.request);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.reason == "approval hook timed out after 500ms: hang.sh was killed");
  CHECK(took >= 500ms);
  CHECK(took < 500ms + 5s);

  std::istringstream in(ReadFile(pids));
  pid_t hook = 0, grandchild = 0;
  in >> hook >> grandchild;
  REQUIRE(hook > 0);
  REQUIRE(grandchild > 0);
  CHECK(Gone(hook));  // no zombie: the gate reaped it
  CHECK(waitpid(hook, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
  // The grandchild is not ours to reap, but the group kill must have ended it.
  CHECK(PollUntil([&] { return Dead(grandchild); }, 5s));
}

TEST_CASE("exec hook: the plan JSON arrives on stdin intact") {
  Fixture f;
  const std::string out = f.dir.path() + "/stdin.json";
  const GateDecision d = RunCheck(f.Hook("read.sh", "#!/bin/sh\ncat > \"$1\"\n", {out}), f.request);
  REQUIRE(d.verdict == GateVerdict::kAllow);
  const std::string got = ReadFile(out);
  CHECK(got == ExecHookGate::Input(f.request));
  const auto json = boost::json::parse(got).as_object();
  CHECK(json.at("action") == "restart-api");
  CHECK(json.at("rule") == "APIEndpointDown");
  CHECK(json.at("incident_id") == 42);
  CHECK(json.at("risk") == "reversible");
  CHECK(json.at("approval_required") == false);
  CHECK(json.at("labels").at("team") == "shop");
  CHECK(json.at("now") == "2027-01-15T08:00:00.000Z");
  CHECK(json.at("plan_hash").as_string() == f.plan.Hash());
  CHECK(json.at("plan") == f.plan.ToJson());
  CHECK(json.at("plan").at("summary").as_string() == f.plan.summary);
}

TEST_CASE("exec hook: a hook that does not read a large stdin still decides") {
  Fixture f;
  f.plan.details["blob"] = std::string(4 * 1024 * 1024, 'a');
  const GateDecision d = RunCheck(f.Hook("ignore.sh", "#!/bin/sh\nexit 0\n"), f.request);
  CHECK(d.verdict == GateVerdict::kAllow);
}

TEST_CASE("exec hook: the daemon's secrets stay out of the hook's environment") {
  setenv("RUNBOOKD_TEST_DAEMON_SECRET", "hook-must-not-see-this", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "hook-must-not-see-this-either", 1);
  setenv("RUNBOOKD_TOKEN", "runbookctl-token-of-the-daemon", 1);
  Fixture f;
  const std::string out = f.dir.path() + "/env";
  const GateDecision d = RunCheck(f.Hook("env.sh", "#!/bin/sh\nenv > \"$1\"\n", {out}), f.request);
  unsetenv("RUNBOOKD_TEST_DAEMON_SECRET");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("RUNBOOKD_TOKEN");
  REQUIRE(d.verdict == GateVerdict::kAllow);
  const std::string env = ReadFile(out);
  CHECK(env.find("hook-must-not-see-this") == std::string::npos);
  CHECK(env.find("runbookctl-token") == std::string::npos);
  CHECK(env.find("RUNBOOKD_ACTION=restart-api\n") != std::string::npos);
  CHECK(env.find("RUNBOOKD_RULE=APIEndpointDown\n") != std::string::npos);
  CHECK(env.find("RUNBOOKD_TARGET=production/deployment/api\n") != std::string::npos);
  CHECK(env.find("RUNBOOKD_INCIDENT_ID=42\n") != std::string::npos);
  CHECK(env.find("RUNBOOKD_PLAN_HASH=" + f.plan.Hash() + "\n") != std::string::npos);
  CHECK(env.find("PATH=") != std::string::npos);
}

TEST_CASE("exec hook: a hook that cannot start denies") {
  Fixture f;
  ExecHookSettings settings;
  settings.command = {f.dir.path() + "/missing-hook"};
  const GateDecision d = RunCheck(ExecHookGate(settings), f.request);
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.reason == "approval hook missing-hook could not be started: No such file or directory");
}
