#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/gate.hpp"

// An external approval command (a change-freeze calendar, a ticket check): runbookd runs it for
// each planned action and acts only when it exits 0.
namespace runbookd::gates {

struct ExecHookSettings {
  std::vector<std::string> command;  // argv, never a shell line; command[0] is the program
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

class ExecHookGate {
 public:
  explicit ExecHookGate(ExecHookSettings settings) : settings_(std::move(settings)) {}

  // Runs the hook on the caller's executor without blocking it: the request as JSON on stdin
  // (Input), a minimal environment (Environment). Exit 0 allows; any other exit denies with the
  // first line of its stderr; a timeout kills its process group and denies; so does a failure to
  // start it. Takes the request by value: it outlives the caller's expression.
  boost::asio::awaitable<GateDecision> Check(GateRequest request) const;

  // {"action", "rule", "incident_id", "risk", "approval_required", "labels", "now", "plan_hash",
  // "plan": ActionPlan::ToJson()}.
  static std::string Input(const GateRequest& request);
  // PATH and HOME of the daemon, and RUNBOOKD_ACTION, _RULE, _TARGET, _INCIDENT_ID, _PLAN_HASH and
  // _RISK of the request. Nothing else: the daemon's tokens and cloud credentials stay out.
  static std::vector<std::pair<std::string, std::string>> Environment(const GateRequest& request);

  const ExecHookSettings& settings() const { return settings_; }

 private:
  ExecHookSettings settings_;
};

}  // namespace runbookd::gates
