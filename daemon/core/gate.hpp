#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"

// What the action pipeline asks each gate, and what a gate answers. Gates decide; actions never
// decide whether they may run (ARCHITECTURE.md §1). Expired or unknown is deny.
namespace runbookd {

enum class GateVerdict { kAllow, kDeny, kPending };
std::string_view ToString(GateVerdict verdict);  // "allow", "deny", "pending" (a metric label)

struct GateDecision {
  std::string gate;  // "dedup", "silence", "budget", "freeze", "dependency", "approval", "revalidate", "dry_run"
  GateVerdict verdict = GateVerdict::kDeny;
  std::string reason;             // one line for the timeline: "cooldown for production/deployment/web until 10:42:00Z"
  std::optional<WallTime> until;  // pending: decided by then at the latest (approval expiry)
  bool escalate = false;          // deny that must page a human (circuit open, freeze)

  static GateDecision Allow(std::string gate, std::string reason = {});
  static GateDecision Deny(std::string gate, std::string reason, bool escalate = false);
  static GateDecision Pending(std::string gate, std::string reason, WallTime until);
};

// One planned run as the gates see it.
struct GateRequest {
  const ActionPlan* plan = nullptr;
  std::string action;        // the configured action's name
  std::string rule;          // the rule whose incident wants it; empty for a manual run
  std::string requested_by;  // "rule:NAME", or "api:TOKEN" for a manual run (approvals record it)
  int64_t incident_id = 0;
  // The incident's group labels, the rule's labels and the action's labels, merged (silences
  // match these), plus "action", "rule", "target".
  std::map<std::string, std::string> labels;
  ActionRisk risk = ActionRisk::kDestructive;
  bool approval_required = true;
  WallTime now;
};

}  // namespace runbookd
