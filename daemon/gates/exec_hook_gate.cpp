#include "daemon/gates/exec_hook_gate.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>

#include "daemon/clients/process/run_process.hpp"
#include "daemon/gates/time_text.hpp"

namespace runbookd::gates {

namespace {

constexpr const char* kGate = "hook";
constexpr size_t kMaxReasonChars = 200;
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// The first line of what the hook said, printable and short: it goes into a one-line reason.
std::string FirstLine(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      if (line.empty()) continue;  // skip leading blank lines
      break;
    }
    line += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  if (line.size() > kMaxReasonChars) line = line.substr(0, kMaxReasonChars) + "...";
  return line;
}

// The program's file name: enough to tell hooks apart, and no directory layout in timelines.
std::string ProgramName(const ExecHookSettings& settings) {
  return settings.command.empty() ? std::string("(none)")
                                  : std::filesystem::path(settings.command.front()).filename().string();
}

}  // namespace

std::string ExecHookGate::Input(const GateRequest& request) {
  boost::json::object labels;
  for (const auto& [name, value] : request.labels) labels[name] = value;
  boost::json::object input{{"action", request.action},
                            {"rule", request.rule},
                            {"incident_id", request.incident_id},
                            {"risk", std::string(ToString(request.risk))},
                            {"approval_required", request.approval_required},
                            {"labels", std::move(labels)},
                            {"now", Rfc3339(request.now)}};
  if (request.plan != nullptr) {
    input["plan_hash"] = request.plan->Hash();
    input["plan"] = request.plan->ToJson();
  } else {
    input["plan_hash"] = "";
    input["plan"] = nullptr;
  }
  return boost::json::serialize(input) + "\n";
}

std::vector<std::pair<std::string, std::string>> ExecHookGate::Environment(const GateRequest& request) {
  std::vector<std::pair<std::string, std::string>> env;
  const char* path = std::getenv("PATH");
  env.emplace_back("PATH", path != nullptr && *path != '\0' ? path : kDefaultPath);
  if (const char* home = std::getenv("HOME"); home != nullptr) env.emplace_back("HOME", home);
  env.emplace_back("RUNBOOKD_ACTION", request.action);
  env.emplace_back("RUNBOOKD_RULE", request.rule);
  env.emplace_back("RUNBOOKD_TARGET", request.plan != nullptr ? request.plan->target : "");
  env.emplace_back("RUNBOOKD_INCIDENT_ID", std::to_string(request.incident_id));
  env.emplace_back("RUNBOOKD_PLAN_HASH", request.plan != nullptr ? request.plan->Hash() : "");
  env.emplace_back("RUNBOOKD_RISK", std::string(ToString(request.risk)));
  return env;
}

boost::asio::awaitable<GateDecision> ExecHookGate::Check(GateRequest request) const {
  const std::string program = ProgramName(settings_);
  const std::string name = "approval hook " + program;
  if (settings_.command.empty()) co_return GateDecision::Deny(kGate, "approval hook has no command");
  process::ProcessSpec spec;
  spec.command = settings_.command.front();
  spec.args.assign(settings_.command.begin() + 1, settings_.command.end());
  spec.env = Environment(request);
  spec.inherit_environment = false;
  spec.stdin_data = Input(request);
  spec.max_stdout_bytes = 4096;  // not used; read and dropped so that a chatty hook never blocks
  spec.kill_on_stdout_overflow = false;
  spec.max_stderr_bytes = 4096;

  const auto executor = co_await boost::asio::this_coro::executor;
  const SteadyTime deadline = std::chrono::steady_clock::now() + settings_.timeout;
  const process::ProcessResult run = co_await process::RunProcess(executor, spec, deadline);
  using Status = process::ProcessResult::Status;
  switch (run.status) {
    case Status::kExited:
      if (run.exit_code == 0) co_return GateDecision::Allow(kGate, name + " allowed it");
      {
        const std::string said = FirstLine(run.err);
        co_return GateDecision::Deny(kGate, name + " refused (exit " + std::to_string(run.exit_code) + ")" +
                                                (said.empty() ? std::string() : ": " + said));
      }
    case Status::kTimeout:
      co_return GateDecision::Deny(
          kGate, "approval hook timed out after " + DurationText(settings_.timeout) + ": " + program + " was killed");
    case Status::kStartFailed:
      co_return GateDecision::Deny(kGate, name + " could not be started: " + run.start_error);
    case Status::kSignaled:
      co_return GateDecision::Deny(kGate, name + " was killed by signal " + std::to_string(run.signal));
    case Status::kCancelled:
      co_return GateDecision::Deny(kGate, name + " was cancelled");
    case Status::kOutputTooLarge:
      break;
  }
  co_return GateDecision::Deny(kGate, name + " printed too much and was killed");
}

}  // namespace runbookd::gates
