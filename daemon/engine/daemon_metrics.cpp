#include "daemon/engine/daemon_metrics.hpp"

#include <prometheus/metric_family.h>

#include <chrono>

namespace runbookd {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

DaemonMetrics::DaemonMetrics(const std::string& version) : registry_(std::make_shared<prometheus::Registry>()) {
  build_info_ = &BuildGauge().Name("runbookd_build_info").Help("runbookd build information.").Register(*registry_);
  build_info_->Add({{"version", version}}).Set(1);
  reload_ok_ = &BuildGauge()
                    .Name("runbookd_config_last_reload_successful")
                    .Help("Whether the last configuration load or reload succeeded (1) or failed (0).")
                    .Register(*registry_);
  reload_time_ = &BuildGauge()
                      .Name("runbookd_config_last_reload_success_timestamp_seconds")
                      .Help("Unix time of the last successful configuration load or reload.")
                      .Register(*registry_);
  probe_success_ = &BuildGauge()
                        .Name("runbookd_probe_success")
                        .Help("1 when the probe's settled state is healthy, 0 otherwise.")
                        .Register(*registry_);
  probe_duration_ = &BuildGauge()
                         .Name("runbookd_probe_duration_seconds")
                         .Help("Duration of the probe's last run in seconds.")
                         .Register(*registry_);
  probe_runs_ =
      &BuildCounter().Name("runbookd_probe_runs_total").Help("Probe runs by result and reason.").Register(*registry_);
  probe_skipped_ = &BuildCounter()
                        .Name("runbookd_probe_skipped_total")
                        .Help("Probe runs skipped because the previous run was still in flight.")
                        .Register(*registry_);
  alerts_received_ = &BuildCounter()
                          .Name("runbookd_alerts_received_total")
                          .Help("Alerts received from Alertmanager and durably stored, by status.")
                          .Register(*registry_);
  rule_matches_ = &BuildCounter()
                       .Name("runbookd_rule_matches_total")
                       .Help("Times a rule started firing for a group.")
                       .Register(*registry_);
  incidents_open_ =
      &BuildGauge().Name("runbookd_incidents_open").Help("Unresolved incidents by severity.").Register(*registry_);
  actions_ = &BuildCounter()
                  .Name("runbookd_actions_total")
                  .Help("Action runs by result (ok, or the reason it did not act).")
                  .Register(*registry_);
  would_act_ = &BuildCounter()
                    .Name("runbookd_would_act_total")
                    .Help("Dry runs whose plan would have acted.")
                    .Register(*registry_);
  gate_decisions_ = &BuildCounter()
                         .Name("runbookd_gate_decisions_total")
                         .Help("Decisions of the action pipeline's stages, by gate and verdict.")
                         .Register(*registry_);
  notifications_ = &BuildCounter()
                        .Name("runbookd_notifications_total")
                        .Help("Notification deliveries, by notifier and result.")
                        .Register(*registry_);
  approvals_pending_ =
      &BuildGauge().Name("runbookd_approvals_pending").Help("Approvals waiting for a decision.").Register(*registry_);
  approvals_pending_->Add({}).Set(0);
  for (const char* status : {"firing", "resolved"}) alerts_received_->Add({{"status", status}});
  reload_ok_->Add({}).Set(0);
  reload_time_->Add({}).Set(0);
}

void DaemonMetrics::RecordProbeRun(const std::string& probe, const std::string& type, const ProbeResult& result,
                                   ProbeStatus settled) {
  const std::map<std::string, std::string> labels{{"probe", probe}, {"type", type}};
  probe_success_->Add(labels).Set(settled == ProbeStatus::kHealthy ? 1 : 0);
  probe_duration_->Add(labels).Set(std::chrono::duration<double>(result.duration).count());
  probe_runs_
      ->Add({{"probe", probe},
             {"type", type},
             {"result", std::string(ToString(result.status))},
             {"reason", std::string(ToString(result.reason))}})
      .Increment();
}

void DaemonMetrics::RecordProbeSkipped(const std::string& probe) {
  probe_skipped_->Add({{"probe", probe}}).Increment();
}

namespace {

template <typename T>
void RemoveIfPresent(prometheus::Family<T>& family, const std::map<std::string, std::string>& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

}  // namespace

void DaemonMetrics::ForgetProbe(const std::string& probe, const std::string& type) {
  const std::map<std::string, std::string> labels{{"probe", probe}, {"type", type}};
  RemoveIfPresent(*probe_success_, labels);
  RemoveIfPresent(*probe_duration_, labels);
  RemoveIfPresent(*probe_skipped_, {{"probe", probe}});
  for (auto status : {ProbeStatus::kHealthy, ProbeStatus::kUnhealthy, ProbeStatus::kUnknown}) {
    for (auto reason : AllProbeReasons()) {
      const std::map<std::string, std::string> run_labels{{"probe", probe},
                                                          {"type", type},
                                                          {"result", std::string(ToString(status))},
                                                          {"reason", std::string(ToString(reason))}};
      RemoveIfPresent(*probe_runs_, run_labels);
    }
  }
}

void DaemonMetrics::RecordAlertsReceived(std::string_view status, size_t count) {
  alerts_received_->Add({{"status", std::string(status)}}).Increment(static_cast<double>(count));
}

void DaemonMetrics::RecordRuleMatch(const std::string& rule) { rule_matches_->Add({{"rule", rule}}).Increment(); }

void DaemonMetrics::SetIncidentsOpen(const std::string& severity, double count) {
  incidents_open_->Add({{"severity", severity}}).Set(count);
}

void DaemonMetrics::RecordActionRun(const std::string& action, std::string_view result) {
  actions_->Add({{"action", action}, {"result", std::string(result)}}).Increment();
}

void DaemonMetrics::RecordWouldAct(const std::string& action) { would_act_->Add({{"action", action}}).Increment(); }

void DaemonMetrics::RecordGateDecision(std::string_view gate, std::string_view verdict) {
  gate_decisions_->Add({{"gate", std::string(gate)}, {"verdict", std::string(verdict)}}).Increment();
}

void DaemonMetrics::RecordNotification(const std::string& notifier, std::string_view result) {
  notifications_->Add({{"notifier", notifier}, {"result", std::string(result)}}).Increment();
}

void DaemonMetrics::SetApprovalsPending(size_t count) { approvals_pending_->Add({}).Set(static_cast<double>(count)); }

void DaemonMetrics::RecordReload(bool ok, double unix_seconds) {
  reload_ok_->Add({}).Set(ok ? 1 : 0);
  if (ok) reload_time_->Add({}).Set(unix_seconds);
}

}  // namespace runbookd
