#include "daemon/app/gated_actions.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/engine/incident_manager.hpp"
#include "daemon/gates/approval_book.hpp"
#include "daemon/gates/silence_book.hpp"
#include "daemon/gates/time_text.hpp"
#include "daemon/store/store_writer.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::seconds kTick{1};

PipelineAction ToPipelineAction(const ActionSettings& a) {
  return PipelineAction{a.name, a.type, a.action, a.risk, a.approval_required, a.dry_run, a.timeout, a.labels};
}

}  // namespace

GatedActions::GatedActions(asio::any_io_executor executor, const Clock& clock, store::StoreWriter& writer,
                           IncidentManager& incidents, ActionRunner& runner, gates::ApprovalBook& approvals,
                           gates::SilenceBook& silences, DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)),
      clock_(clock),
      writer_(writer),
      incidents_(incidents),
      approvals_(approvals),
      silences_(silences),
      logger_(std::move(logger)),
      pipeline_(std::make_unique<ActionPipeline>(executor_, clock, runner, metrics, logger_)),
      hub_(std::make_unique<NotifyHub>(executor_, clock, metrics, logger_)),
      timer_(executor_) {
  pipeline_->SetPorts(MakePorts());
  // The same labels as the pipeline's silence gate sees (the rule's own labels too), so that a
  // silence that stops an incident's actions also holds its notifications.
  hub_->SetSilenced([this](std::map<std::string, std::string> labels) {
    if (auto rule = rule_labels_.find(labels["rule"]); rule != rule_labels_.end()) {
      for (const auto& [k, v] : rule->second) labels.emplace(k, v);
    }
    return !silences_.Matches(labels, clock_.WallNow()).empty();
  });
  approvals_.OnDecided([this](const gates::ApprovalDecision& d) {
    if (!stopped_ && d.approved()) OnApprovalDecided(d.approval);
  });
  incidents_.SetEventObserver([this](const IncidentEvent& event, store::IncidentId id) {
    if (stopped_) return;
    hub_->OnIncidentEvent(event, id);
    pipeline_->OnIncidentEvent(event, id);
  });
}

GatedActions::~GatedActions() { Stop(); }

void GatedActions::RestoreBudgets(std::vector<store::BudgetRecord> rows) { budget_.Restore(rows); }

void GatedActions::Configure(const Config& config) {
  // Budgets and a freeze in force carry over: a reload must not hand out a fresh budget.
  const WallTime now = clock_.WallNow();
  gates::BudgetGate budget(config.gates.budget);
  budget.Restore(budget_.Snapshot(now));
  budget_ = std::move(budget);
  // A new freeze gate starts thawed: a freeze still warranted starts again (and pages) at once.
  freeze_ = gates::FreezeGate(config.gates.freeze);
  // A hook still running for an earlier attempt keeps its own copy.
  hook_ =
      config.gates.approval.hook ? std::make_shared<const gates::ExecHookGate>(*config.gates.approval.hook) : nullptr;
  approval_ = config.gates.approval;
  pipeline_->SetPorts(MakePorts());

  PipelineSettings settings;
  settings.dry_run = config.server_dry_run || config.gates.dry_run;
  settings.bake_time = config.gates.bake_time;
  for (const auto& a : config.actions) settings.actions[a.name] = ToPipelineAction(a);
  rule_labels_.clear();
  for (const auto& r : config.rules) {
    settings.rules[r.name] = r;
    rule_labels_[r.name] = std::map<std::string, std::string>(r.labels.begin(), r.labels.end());
  }
  pipeline_->SetSettings(std::move(settings));
  hub_->SetConfig(config.notifiers, config.escalation);
}

PipelinePorts GatedActions::MakePorts() {
  PipelinePorts p;
  p.incident = [this](const IncidentKey& key) -> std::optional<IncidentView> {
    auto v = incidents_.Find(key);
    if (!v || v->id == 0) return std::nullopt;
    IncidentView out;
    out.id = v->id;
    out.matching = v->matching;
    out.suppressed_by = v->suppressed_by;
    out.group_labels = std::map<std::string, std::string>(v->group_labels.begin(), v->group_labels.end());
    out.severity = std::string(rules::ToString(v->severity));
    out.opened_at = v->opened_at;
    out.unhealthy_signals = incidents_.UnhealthySignals();
    return out;
  };
  p.condition_holds = [this](const IncidentKey& key, const rules::Condition& c) {
    return incidents_.ConditionHolds(key, c);
  };
  p.silence = [this](const GateRequest& r) { return silences_.Check(r); };
  p.budget = [this](const GateRequest& r) { return budget_.Check(r); };
  p.record_run = [this](const GateRequest& r) {
    budget_.Record(r);
    SaveBudgets(r.now);
  };
  p.freeze = [this](const GateRequest& r) { return CheckFreeze(r); };
  // Port coroutines are members (or free functions), never coroutine lambdas: a reload replaces
  // the ports, and a suspended lambda coroutine would read its destroyed closure.
  if (hook_) {
    p.hook = [hook = hook_](const GateRequest& r) { return CheckHook(hook, r); };
  }
  p.request_approval = [this](const GateRequest& r, const ActionPlan& plan) { return RequestApproval(r, plan); };
  p.await_approval = [this](int64_t id) { return approvals_.AwaitDecision(id); };
  p.invalidate_approval = [this](int64_t id, const std::string& reason) {
    asio::co_spawn(executor_, approvals_.Invalidate(id, reason, clock_.WallNow()), asio::detached);
  };
  p.notify = [this](Notification n) { hub_->Notify(std::move(n)); };
  p.timeline = [this](store::TimelineEntry e) { Timeline(std::move(e)); };
  p.set_state = [this](store::IncidentId id, store::IncidentState s) { SetState(id, s); };
  return p;
}

asio::awaitable<GateDecision> GatedActions::CheckHook(std::shared_ptr<const gates::ExecHookGate> hook,
                                                      GateRequest request) {
  auto check = hook->Check(std::move(request));
  co_return co_await std::move(check);
}

asio::awaitable<ApprovalTicket> GatedActions::RequestApproval(GateRequest r, ActionPlan plan) {
  const std::string requested_by =
      !r.requested_by.empty() ? r.requested_by : (r.rule.empty() ? "operator" : "rule:" + r.rule);
  store::NewApproval request =
      gates::MakeApprovalRequest(r, plan, static_cast<int>(approval_.quorum), approval_.timeout, requested_by);
  const WallTime expires = request.expires_at;
  auto requested = approvals_.Request(std::move(request));
  auto id = co_await std::move(requested);
  if (!id) co_return ApprovalTicket{0, expires, "the approval could not be recorded: " + id.error().message};
  co_return ApprovalTicket{*id, expires, ""};
}

GateDecision GatedActions::CheckFreeze(const GateRequest& request) {
  EvaluateFreeze(request.now);
  return freeze_.Check(request);
}

// The freeze pages once when it starts, whether or not an action was asking.
void GatedActions::EvaluateFreeze(WallTime now) {
  const auto counts = incidents_.CountProbes();
  const auto since = freeze_.frozen_since();
  const auto edge = freeze_.Evaluate(gates::ProbeStatusCounts{counts.healthy, counts.unhealthy, counts.unknown}, now);
  // One page per freeze, resolved (same dedup key) when the freeze ends.
  const auto page_key = [](WallTime start) {
    return "runbookd-freeze-" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count());
  };
  if (edge == gates::FreezeEdge::kEnded && since) {
    Notification n;
    n.kind = NotificationKind::kResolved;
    n.action = "freeze";
    n.dedup_key = page_key(*since);
    n.text = "mass-failure freeze since " + gates::ClockText(*since, now) +
             " ended: " + std::to_string(counts.unhealthy + counts.unknown) + " of " +
             std::to_string(counts.healthy + counts.unhealthy + counts.unknown) +
             " probes unhealthy or unknown; actions may run again";
    n.summary = n.text;
    n.at = now;
    n.duration = std::chrono::duration_cast<std::chrono::seconds>(now - *since);
    logger_->info("{}", n.text);
    hub_->Notify(std::move(n));
  }
  if (edge != gates::FreezeEdge::kStarted) return;
  Notification n;
  n.kind = NotificationKind::kEscalated;
  n.action = "freeze";
  n.dedup_key = page_key(now);
  n.text = freeze_.Describe(now) + "; every action is frozen: check runbookd's own network, DNS and credentials";
  n.at = now;
  logger_->warn("{}", n.text);
  hub_->Notify(std::move(n));
}

void GatedActions::SaveBudgets(WallTime now) {
  auto rows = budget_.Snapshot(now);
  writer_.Submit([rows = std::move(rows)](store::Store& s) { return s.SaveBudgets(rows); },
                 [logger = logger_](store::Status status) {
                   if (!status) logger->error("could not record the action budgets: {}", status.error().message);
                 });
}

void GatedActions::Timeline(store::TimelineEntry entry) {
  writer_.Submit(
      [entry = std::move(entry)](store::Store& s) -> store::Status {
        auto r = s.AppendTimeline(entry);
        if (!r) return r.error();
        return {};
      },
      [logger = logger_](store::Status status) {
        if (!status) logger->error("could not record a pipeline timeline entry: {}", status.error().message);
      });
}

void GatedActions::SetState(store::IncidentId id, store::IncidentState state) {
  const WallTime at = clock_.WallNow();
  writer_.Submit([id, state, at](store::Store& s) { return s.SetIncidentState(id, state, at); },
                 [logger = logger_, id](store::Status status) {
                   // An incident that resolved meanwhile stays resolved: that refusal is expected.
                   if (!status) logger->debug("incident {}: state not changed: {}", id, status.error().message);
                 });
}

// An approval nobody in this process waits for was requested before a restart: its run goes
// through the gates again, and executes only if the plan is still the one approved.
void GatedActions::OnApprovalDecided(const store::ApprovalRecord& approval) {
  if (pipeline_->awaiting(approval.id)) return;
  AttemptRequest request;
  request.action = approval.action;
  request.requested_by = approval.requested_by;
  request.approved = std::make_pair(approval.id, approval.plan_hash);
  if (approval.incident_id) {
    request.incident = incidents_.KeyOf(*approval.incident_id);
    if (!request.incident) {
      logger_->info("approval {}: its incident {} is resolved; nothing to run", approval.id, *approval.incident_id);
      return;
    }
    request.verify = true;
  }
  logger_->info("approval {} (given after a restart): running {} again through the gates", approval.id,
                approval.action);
  asio::co_spawn(executor_, pipeline_->Attempt(std::move(request)),
                 [logger = logger_, id = approval.id](std::exception_ptr e, AttemptResult r) {
                   if (e) return;
                   logger->info("approval {}: {}: {}", id, ToString(r.end), r.reason);
                 });
}

void GatedActions::RestoreIncidents(const std::vector<store::IncidentRecord>& open,
                                    const std::map<store::IncidentId, WallTime>& acknowledged) {
  for (const auto& r : open) {
    std::vector<std::pair<std::string, std::string>> labels(r.group_labels.begin(), r.group_labels.end());
    auto acked = acknowledged.find(r.id);
    hub_->Restore(r.id, IncidentKey{r.rule, r.group_key}, r.severity, std::move(labels), r.opened_at,
                  acked == acknowledged.end() ? std::nullopt : std::optional(acked->second));
  }
}

GatedActions::AckRefusal GatedActions::Acknowledge(store::IncidentId id, const std::string& who,
                                                   const std::string& comment) {
  const auto acked = hub_->acknowledged(id);
  if (!incidents_.KeyOf(id) || !acked) return AckRefusal::kNotOpen;
  if (*acked) return AckRefusal::kAlreadyAcknowledged;
  const WallTime now = clock_.WallNow();
  const std::string text = "acknowledged by " + who + (comment.empty() ? "" : ": " + comment);
  // The source names who, so that a restart finds the acknowledgement on the timeline again.
  Timeline(store::TimelineEntry{0, id, now, std::string(kAckSourcePrefix) + who, store::TimelineKind::kNote, text, {}});
  logger_->info("incident {}: {}", id, text);
  hub_->Acknowledge(id, text, now);
  return AckRefusal::kNone;
}

void GatedActions::ReviewInterrupted(const std::vector<store::ActionIntentRecord>& intents) { interrupted_ = intents; }

void GatedActions::Start() {
  // Interrupted intents: re-validated, recorded and announced, never run again. A human decides.
  pipeline_->ReviewInterrupted(std::move(interrupted_));
  interrupted_.clear();
  hub_->Start();
  Tick();
}

void GatedActions::Stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  pipeline_->Stop();
  hub_->Stop();
}

void GatedActions::Tick() {
  if (stopped_) return;
  EvaluateFreeze(clock_.WallNow());
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

}  // namespace runbookd
