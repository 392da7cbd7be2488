#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/gates/budget_gate.hpp"
#include "daemon/gates/escalation.hpp"
#include "daemon/gates/exec_hook_gate.hpp"
#include "daemon/gates/freeze_gate.hpp"

// The top-level `gates:` and `escalation:` blocks (docs/gates.md). Every key has a default, so
// both blocks may be left out.
namespace runbookd::gates {

struct ApprovalSettings {
  std::chrono::milliseconds timeout{std::chrono::minutes(15)};  // an unanswered approval is a deny
  int64_t quorum = 1;                                           // distinct approvers needed
  std::optional<ExecHookSettings> hook;
};

struct GateSettings {
  bool dry_run = false;  // shadow mode for every action; `server.dry_run` means the same
  BudgetSettings budget;
  FreezeSettings freeze;
  ApprovalSettings approval;
  std::chrono::milliseconds max_alert_age{std::chrono::minutes(10)};  // revalidate: older is not fresh
  std::chrono::milliseconds bake_time{std::chrono::minutes(2)};       // verify: wait before re-checking
};

// `gates:` (the node may be undefined). Errors go to the node's diagnostics.
GateSettings ReadGateSettings(const config::Node& node);

// A notifier that `escalation:` names, with the node that names it, so that the caller, who knows
// the configured notifiers, can report an unknown one at its place (CheckNotifierReferences).
struct NotifierReference {
  std::string name;
  config::Node node;
};

// `escalation:` (the node may be undefined); `references` gets every notifier name it uses.
EscalationSettings ReadEscalation(const config::Node& node, std::vector<NotifierReference>& references);

// Records "unknown notifier" (with a did-you-mean) at each reference not in `notifier_names`.
void CheckNotifierReferences(const std::vector<NotifierReference>& references,
                             const std::vector<std::string>& notifier_names);

}  // namespace runbookd::gates
