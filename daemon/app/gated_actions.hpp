#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/app/item_settings.hpp"
#include "daemon/app/notify_hub.hpp"
#include "daemon/engine/action_pipeline.hpp"
#include "daemon/gates/budget_gate.hpp"
#include "daemon/gates/exec_hook_gate.hpp"
#include "daemon/gates/freeze_gate.hpp"
#include "daemon/gates/gate_settings.hpp"
#include "daemon/notify/notifier_settings.hpp"
#include "daemon/rules/rule.hpp"
#include "daemon/store/records_gates.hpp"
#include "daemon/store/store.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

class IncidentManager;
class DaemonMetrics;
namespace store {
class StoreWriter;
}
namespace gates {
class ApprovalBook;
class SilenceBook;
}  // namespace gates

// The "act and tell" half, wired: the action pipeline with its gates (silences, budgets, the
// freeze, the approval hook and approvals) and the notification hub, fed by the incident manager.
// Lives for the whole process (budgets, freezes and notifications outlive reloads); each config
// generation reconfigures it.
// Timeline source of an acknowledgement: "ack:" + who.
inline constexpr std::string_view kAckSourcePrefix = "ack:";

class GatedActions {
 public:
  struct Config {
    gates::GateSettings gates;
    bool server_dry_run = false;
    std::vector<ActionSettings> actions;
    std::vector<rules::Rule> rules;
    std::vector<notify::NotifierSettings> notifiers;
    gates::EscalationSettings escalation;
  };

  GatedActions(boost::asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
               IncidentManager& incidents, ActionRunner& runner, gates::ApprovalBook& approvals,
               gates::SilenceBook& silences, DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger);
  ~GatedActions();

  // Budgets the previous run left (Store::LoadBudgets before the writer starts).
  void RestoreBudgets(std::vector<store::BudgetRecord> rows);
  // Intents a crash left `running`, now `interrupted`: put on their incidents' timelines,
  // re-planned to tell whether they took effect, never executed again.
  void ReviewInterrupted(const std::vector<store::ActionIntentRecord>& intents);
  void Configure(const Config& config);
  // Incidents the previous run left open: the hub keeps telling about them (and resolves them).
  // `acknowledged`: when each acknowledged one was (their ladders stay stopped).
  void RestoreIncidents(const std::vector<store::IncidentRecord>& open,
                        const std::map<store::IncidentId, WallTime>& acknowledged = {});
  // A human took open incident `id`: the ladder stops, the timeline and everyone told so far say
  // who. kNone when done.
  enum class AckRefusal { kNone, kNotOpen, kAlreadyAcknowledged };
  AckRefusal Acknowledge(store::IncidentId id, const std::string& who, const std::string& comment);
  void Start();
  void Stop();

  ActionPipeline& pipeline() { return *pipeline_; }

 private:
  PipelinePorts MakePorts();
  static boost::asio::awaitable<GateDecision> CheckHook(std::shared_ptr<const gates::ExecHookGate> hook,
                                                        GateRequest request);
  boost::asio::awaitable<ApprovalTicket> RequestApproval(GateRequest request, ActionPlan plan);
  GateDecision CheckFreeze(const GateRequest& request);
  void EvaluateFreeze(WallTime now);
  void SaveBudgets(WallTime now);
  void Timeline(store::TimelineEntry entry);
  void SetState(store::IncidentId id, store::IncidentState state);
  void Tick();
  void OnApprovalDecided(const store::ApprovalRecord& approval);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  store::StoreWriter& writer_;
  IncidentManager& incidents_;
  gates::ApprovalBook& approvals_;
  gates::SilenceBook& silences_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<ActionPipeline> pipeline_;
  std::unique_ptr<NotifyHub> hub_;
  gates::BudgetGate budget_{gates::BudgetSettings{}};
  gates::FreezeGate freeze_{gates::FreezeSettings{}};
  std::shared_ptr<const gates::ExecHookGate> hook_;
  gates::ApprovalSettings approval_;
  std::vector<store::ActionIntentRecord> interrupted_;
  std::map<std::string, std::map<std::string, std::string>> rule_labels_;  // by rule name
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace runbookd
