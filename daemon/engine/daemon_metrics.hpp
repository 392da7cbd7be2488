#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/probe_result.hpp"

namespace runbookd {

// The runbookd_* metric families of CONTRACT.md that exist so far. One instance lives for the
// whole process, across reloads, so counters never reset when the config changes.
class DaemonMetrics {
 public:
  explicit DaemonMetrics(const std::string& version);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // `settled` is the state after flap damping; runbookd_probe_success follows it.
  void RecordProbeRun(const std::string& probe, const std::string& type, const ProbeResult& result,
                      ProbeStatus settled);
  void RecordProbeSkipped(const std::string& probe);
  // Drops the series of a probe that a reload removed.
  void ForgetProbe(const std::string& probe, const std::string& type);
  void RecordReload(bool ok, double unix_seconds);
  void RecordAlertsReceived(std::string_view status, size_t count);
  void RecordRuleMatch(const std::string& rule);
  void SetIncidentsOpen(const std::string& severity, double count);
  // result: ok | noop | refused | conflict | failed ... (OutcomeReason text, "ok" on success).
  void RecordActionRun(const std::string& action, std::string_view result);
  // A dry run (the action's, the server's, or the request's) that would have acted.
  void RecordWouldAct(const std::string& action);
  // Approvals waiting for a decision (ApprovalBook's pending set).
  void SetApprovalsPending(size_t count);
  // One stage's decision in the action pipeline: gate dedup|silence|budget|..., verdict allow|deny|pending.
  void RecordGateDecision(std::string_view gate, std::string_view verdict);
  // One delivery of a notification: result ok|failed|retried|skipped.
  void RecordNotification(const std::string& notifier, std::string_view result);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>* build_info_;
  prometheus::Family<prometheus::Gauge>* reload_ok_;
  prometheus::Family<prometheus::Gauge>* reload_time_;
  prometheus::Family<prometheus::Gauge>* probe_success_;
  prometheus::Family<prometheus::Gauge>* probe_duration_;
  prometheus::Family<prometheus::Counter>* probe_runs_;
  prometheus::Family<prometheus::Counter>* probe_skipped_;
  prometheus::Family<prometheus::Counter>* alerts_received_;
  prometheus::Family<prometheus::Counter>* rule_matches_;
  prometheus::Family<prometheus::Gauge>* incidents_open_;
  prometheus::Family<prometheus::Counter>* actions_;
  prometheus::Family<prometheus::Counter>* would_act_;
  prometheus::Family<prometheus::Gauge>* approvals_pending_;
  prometheus::Family<prometheus::Counter>* gate_decisions_;
  prometheus::Family<prometheus::Counter>* notifications_;
};

}  // namespace runbookd
