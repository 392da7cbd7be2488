#include "daemon/engine/action_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/engine/plan_changes.hpp"
#include "daemon/gates/time_text.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

constexpr const char* kSource = "pipeline";

std::string Json(const boost::json::object& o) { return boost::json::serialize(o); }

boost::json::object DecisionJson(const GateDecision& d) {
  boost::json::object o{{"gate", d.gate}, {"verdict", ToString(d.verdict)}, {"reason", d.reason}};
  if (d.escalate) o["escalate"] = true;
  return o;
}

// Keeps a plan's target marked in flight for as long as one attempt holds it.
// Shares the set: a suspended attempt destroyed with the io_context at exit may outlive the pipeline.
class TargetHold {
 public:
  TargetHold(std::shared_ptr<std::set<std::string>> targets, std::string target)
      : targets_(std::move(targets)), target_(std::move(target)) {
    targets_->insert(target_);
  }
  ~TargetHold() { targets_->erase(target_); }
  TargetHold(const TargetHold&) = delete;
  TargetHold& operator=(const TargetHold&) = delete;

 private:
  std::shared_ptr<std::set<std::string>> targets_;
  std::string target_;
};

}  // namespace

std::string_view ToString(AttemptEnd end) {
  switch (end) {
    case AttemptEnd::kExecuted:
      return "executed";
    case AttemptEnd::kDryRun:
      return "dry_run";
    case AttemptEnd::kNotRunnable:
      return "not_runnable";
    case AttemptEnd::kDenied:
      return "denied";
    case AttemptEnd::kPending:
      return "pending";
    case AttemptEnd::kBusy:
      return "busy";
    case AttemptEnd::kFailed:
      return "failed";
  }
  return "failed";
}

std::string_view ToString(Verification v) {
  switch (v) {
    case Verification::kNotChecked:
      return "not_checked";
    case Verification::kFixed:
      return "fixed";
    case Verification::kNoEffect:
      return "no_effect";
    case Verification::kWorse:
      return "worse";
  }
  return "not_checked";
}

ActionPipeline::ActionPipeline(asio::any_io_executor executor, const Clock& clock, ActionRunner& runner,
                               DaemonMetrics& metrics, std::shared_ptr<spdlog::logger> logger)
    : executor_(std::move(executor)),
      clock_(clock),
      runner_(runner),
      metrics_(metrics),
      logger_(std::move(logger)),
      settings_(std::make_shared<PipelineSettings>()),
      alive_(std::make_shared<bool>(true)) {}

ActionPipeline::~ActionPipeline() { *alive_ = false; }

void ActionPipeline::SetPorts(PipelinePorts ports) { ports_ = std::move(ports); }

void ActionPipeline::SetSettings(PipelineSettings settings) {
  settings_ = std::make_shared<const PipelineSettings>(std::move(settings));
}

void ActionPipeline::Stop() {
  *alive_ = false;
  for (auto& [key, sequence] : sequences_) sequence->cancelled = true;
  for (auto* timer : sleeping_) timer->cancel();
  sleeping_.clear();
}

void ActionPipeline::Note(std::optional<store::IncidentId> id, store::TimelineKind kind, const std::string& message,
                          std::string data) {
  if (!id || !ports_.timeline) return;
  ports_.timeline(store::TimelineEntry{0, *id, clock_.WallNow(), kSource, kind, message, std::move(data)});
}

void ActionPipeline::Decide(const AttemptRequest& req, std::optional<store::IncidentId> id, AttemptResult& result,
                            GateDecision decision) {
  metrics_.RecordGateDecision(decision.gate, ToString(decision.verdict));
  logger_->info("action {}: gate {}: {}{}{}", req.action, decision.gate, ToString(decision.verdict),
                decision.reason.empty() ? "" : ": ", decision.reason);
  Note(id, store::TimelineKind::kAction,
       req.action + ": " + decision.gate + " " + std::string(ToString(decision.verdict)) +
           (decision.reason.empty() ? "" : ": " + decision.reason),
       Json(DecisionJson(decision)));
  result.decisions.push_back(std::move(decision));
}

GateRequest ActionPipeline::MakeGateRequest(const AttemptRequest& req, const PipelineAction& action,
                                            const ActionPlan& plan, const std::optional<IncidentView>& view) const {
  GateRequest g;
  g.plan = &plan;
  g.action = action.name;
  g.rule = req.incident ? req.incident->rule : "";
  g.requested_by = req.requested_by;
  g.incident_id = view ? view->id : 0;
  if (view) g.labels = view->group_labels;
  if (req.incident) {
    if (auto it = settings_->rules.find(req.incident->rule); it != settings_->rules.end()) {
      for (const auto& [k, v] : it->second.labels) g.labels.emplace(k, v);
    }
  }
  for (const auto& [k, v] : action.labels) g.labels.emplace(k, v);
  g.labels["action"] = action.name;
  if (!g.rule.empty()) g.labels["rule"] = g.rule;
  g.labels["target"] = plan.target;
  g.risk = action.risk;
  g.approval_required = action.approval_required;
  g.now = clock_.WallNow();
  return g;
}

asio::awaitable<AttemptResult> ActionPipeline::Attempt(AttemptRequest req,
                                                       std::function<void(const AttemptResult&)> on_pending) {
  AttemptResult result;
  const auto settings = settings_;  // the generation this attempt started under
  auto found = settings->actions.find(req.action);
  if (found == settings->actions.end()) {
    result.reason = "no action named \"" + req.action + "\"";
    co_return result;
  }
  const PipelineAction& action = found->second;
  std::optional<IncidentView> view;
  std::optional<store::IncidentId> id;
  if (req.incident) {
    if (ports_.incident) view = ports_.incident(*req.incident);
    if (!view) {
      result.end = AttemptEnd::kDenied;
      result.reason = "the incident is resolved";
      co_return result;
    }
    id = view->id;
  }
  const bool dry_run = req.dry_run || action.dry_run || settings->dry_run;
  ActionRunRequest run{action.name, action.impl, req.params, dry_run, action.timeout, id, req.requested_by};

  // 1. Plan: no side effects; it binds the rest to the objects seen now.
  ActionPlan plan = co_await runner_.Plan(run);
  Note(id, store::TimelineKind::kAction, "planned " + action.name + ": " + plan.summary, Json(plan.ToJson()));
  if (!plan.runnable()) {
    auto record = runner_.Execute(std::move(run), std::move(plan));  // records why not
    result.run = co_await std::move(record);
    result.end = AttemptEnd::kNotRunnable;
    result.reason = std::string(ToString(result.run.plan.verdict)) + ": " + result.run.plan.summary;
    co_return result;
  }

  // 2. Dedup: one attempt per target, from here to its recorded outcome.
  if (targets_in_flight_->count(plan.target) || runner_.busy(plan.target)) {
    Decide(req, id, result, GateDecision::Deny("dedup", "another action on " + plan.target + " is in flight"));
    result.run.plan = std::move(plan);
    result.end = AttemptEnd::kBusy;
    result.reason = result.decisions.back().reason;
    co_return result;
  }
  TargetHold hold(targets_in_flight_, plan.target);
  Decide(req, id, result, GateDecision::Allow("dedup"));

  // 3-6. Silences, budgets, the mass-failure freeze, dependencies.
  GateRequest gate = MakeGateRequest(req, action, plan, view);
  std::vector<std::pair<const char*, const std::function<GateDecision(const GateRequest&)>*>> checks = {
      {"silence", &ports_.silence}, {"budget", &ports_.budget}, {"freeze", &ports_.freeze}};
  for (const auto& [name, check] : checks) {
    GateDecision d = *check ? (*check)(gate) : GateDecision::Allow(name);
    d.gate = name;
    const bool allowed = d.verdict == GateVerdict::kAllow;
    result.escalate = result.escalate || d.escalate;
    Decide(req, id, result, std::move(d));
    if (!allowed) {
      result.end = AttemptEnd::kDenied;
      result.reason = result.decisions.back().reason;
      result.run.plan = std::move(plan);
      co_return result;
    }
  }
  if (view && view->suppressed_by) {
    Decide(req, id, result, GateDecision::Deny("dependency", "suppressed while " + *view->suppressed_by + " is down"));
    result.end = AttemptEnd::kDenied;
    result.reason = result.decisions.back().reason;
    result.run.plan = std::move(plan);
    co_return result;
  }
  Decide(req, id, result, GateDecision::Allow("dependency"));

  // 7. Approval: the external hook, then a human when the policy wants one.
  if (ports_.hook) {
    GateDecision d = co_await ports_.hook(gate);
    d.gate = "hook";
    const bool allowed = d.verdict == GateVerdict::kAllow;
    Decide(req, id, result, std::move(d));
    if (!allowed) {
      result.end = AttemptEnd::kDenied;
      result.reason = result.decisions.back().reason;
      result.run.plan = std::move(plan);
      co_return result;
    }
  }
  if (req.approved) {
    const auto& [approval, hash] = *req.approved;
    const bool same = plan.Hash() == hash;
    if (!same && ports_.invalidate_approval)
      ports_.invalidate_approval(approval, "the plan changed since it was approved");
    Decide(req, id, result,
           same ? GateDecision::Allow("approval", "approved as approval " + std::to_string(approval))
                : GateDecision::Deny("approval", "the plan changed since approval " + std::to_string(approval)));
    if (!same) {
      result.end = AttemptEnd::kDenied;
      result.reason = result.decisions.back().reason;
      result.run.plan = std::move(plan);
      co_return result;
    }
  } else if (action.approval_required && dry_run) {
    Decide(req, id, result, GateDecision::Allow("approval", "dry run: a real run would wait for approval"));
  } else if (action.approval_required) {
    ApprovalTicket ticket;
    if (ports_.request_approval) {
      ticket = co_await ports_.request_approval(gate, plan);
    } else {
      ticket.error = "no approval channel is configured";
    }
    if (!ticket.error.empty() || !ports_.await_approval) {
      Decide(req, id, result,
             GateDecision::Deny("approval", ticket.error.empty() ? "approvals unavailable" : ticket.error));
      result.end = AttemptEnd::kDenied;
      result.escalate = true;
      result.reason = result.decisions.back().reason;
      result.run.plan = std::move(plan);
      co_return result;
    }
    result.approval_id = ticket.id;
    if (req.incident) {
      if (auto it = sequences_.find(*req.incident); it != sequences_.end()) it->second->pending_approval = ticket.id;
    }
    Decide(req, id, result,
           GateDecision::Pending("approval",
                                 "approval " + std::to_string(ticket.id) + " requested; no decision by " +
                                     gates::ClockText(ticket.expires_at, clock_.WallNow()) + " is a deny",
                                 ticket.expires_at));
    if (ports_.notify) {
      Notification n;
      n.kind = NotificationKind::kApprovalRequested;
      n.incident_id = id.value_or(0);
      n.action = action.name;
      n.plan_summary = plan.summary;
      n.approval_id = ticket.id;
      n.approval_expires_at = ticket.expires_at;
      n.rule = gate.rule;
      n.at = clock_.WallNow();
      ports_.notify(std::move(n));
    }
    if (on_pending) {
      AttemptResult pending = result;
      pending.end = AttemptEnd::kPending;
      pending.run.plan = plan;
      on_pending(pending);
    }
    awaited_.insert(ticket.id);
    GateDecision d = co_await ports_.await_approval(ticket.id);
    awaited_.erase(ticket.id);
    if (req.incident) {
      if (auto it = sequences_.find(*req.incident); it != sequences_.end()) it->second->pending_approval.reset();
    }
    d.gate = "approval";
    const bool approved = d.verdict == GateVerdict::kAllow;
    Decide(req, id, result, std::move(d));
    if (!approved) {
      result.end = AttemptEnd::kDenied;
      result.escalate = true;
      result.reason = result.decisions.back().reason;
      result.run.plan = std::move(plan);
      co_return result;
    }
  } else {
    Decide(req, id, result, GateDecision::Allow("approval", "not required for " + action.name));
  }

  // 8. Re-validate right before executing: the symptom still holds, and the objects the plan
  // observed are the ones there now (a plan's timestamps may differ; its bindings may not).
  std::string stale;
  if (req.incident) {
    std::optional<IncidentView> now = ports_.incident ? ports_.incident(*req.incident) : std::nullopt;
    if (!now) {
      stale = "the incident is resolved";
    } else if (!now->matching) {
      stale = "the symptom no longer holds";
    } else if (now->suppressed_by) {
      stale = "suppressed while " + *now->suppressed_by + " is down";
    } else {
      view = now;
    }
  }
  if (stale.empty()) {
    ActionPlan fresh = co_await runner_.Plan(run);
    if (!fresh.runnable()) {
      stale = "the plan no longer applies: " + fresh.summary;
    } else if (boost::json::serialize(fresh.observed) != boost::json::serialize(plan.observed) ||
               fresh.target != plan.target) {
      std::string what;
      for (const auto& c : ObservedChanges(plan.observed, fresh.observed)) what += (what.empty() ? "" : ", ") + c;
      stale =
          "the target changed since the plan (" + (what.empty() ? "other objects observed" : what) + "); plan again";
    }
  }
  if (!stale.empty()) {
    if (result.approval_id && ports_.invalidate_approval) ports_.invalidate_approval(*result.approval_id, stale);
    Decide(req, id, result, GateDecision::Deny("revalidate", stale));
    result.end = AttemptEnd::kDenied;
    result.reason = stale;
    result.run.plan = std::move(plan);
    co_return result;
  }
  // Approvals and re-planning took time: silences, budgets and the freeze are asked again now,
  // with nothing suspending between their answer and the execution that counts against them.
  gate.now = clock_.WallNow();
  if (!*alive_) stale = "runbookd is stopping";
  for (const auto& [name, check] : checks) {
    if (!stale.empty() || !*check) continue;
    GateDecision d = (*check)(gate);
    if (d.verdict == GateVerdict::kAllow) continue;
    result.escalate = result.escalate || d.escalate;
    stale = d.reason;
  }
  if (!stale.empty()) {
    Decide(req, id, result, GateDecision::Deny("revalidate", stale, result.escalate));
    result.end = AttemptEnd::kDenied;
    result.reason = stale;
    result.run.plan = std::move(plan);
    co_return result;
  }
  Decide(req, id, result, GateDecision::Allow("revalidate"));

  // 9. Execute (or, in a dry run, record what would have run).
  const int unhealthy_before = view ? view->unhealthy_signals : 0;
  if (!dry_run) {
    if (ports_.record_run) ports_.record_run(gate);
    if (id && ports_.set_state) ports_.set_state(*id, store::IncidentState::kMitigating);
    // On the timeline before the intent is: a crash mid-run leaves the reader the last step taken.
    Note(id, store::TimelineKind::kAction, "executing " + action.name + ": " + plan.summary);
  }
  auto execution = runner_.Execute(std::move(run), std::move(plan));
  result.run = co_await std::move(execution);
  if (dry_run) {
    result.end = AttemptEnd::kDryRun;
    result.reason = "dry run: would have run " + action.name;
    Note(id, store::TimelineKind::kAction, result.reason + ": " + result.run.plan.summary);
    co_return result;
  }
  if (!result.run.outcome) {
    result.end = result.run.busy ? AttemptEnd::kBusy : AttemptEnd::kFailed;
    result.escalate = true;
    result.reason = result.run.store_error ? "the intent could not be recorded: " + result.run.store_error->message
                                           : "another run on the target is executing";
    Note(id, store::TimelineKind::kAction, action.name + " not run: " + result.reason);
    co_return result;
  }
  result.end = AttemptEnd::kExecuted;
  const Outcome& outcome = *result.run.outcome;
  result.reason = std::string(ToString(outcome.reason)) + ": " + outcome.detail;
  Note(id, store::TimelineKind::kAction,
       action.name + " " + (outcome.ok ? "done" : "failed") + " (intent " +
           std::to_string(result.run.intent_id.value_or(0)) + "): " + result.reason);
  if (ports_.notify) {
    Notification n;
    n.kind = NotificationKind::kActionTaken;
    n.incident_id = id.value_or(0);
    n.action = action.name;
    n.plan_summary = result.run.plan.summary;
    n.outcome = result.reason;
    n.rule = gate.rule;
    n.at = clock_.WallNow();
    ports_.notify(std::move(n));
  }

  // 10. Verify: after the bake time, did it fix the incident?
  if (req.verify && req.incident && outcome.ok) {
    result.verification = co_await Verify(*req.incident, unhealthy_before);
    Note(id, store::TimelineKind::kAction,
         "verification of " + action.name + ": " + std::string(ToString(result.verification)));
    if (result.verification == Verification::kWorse) result.escalate = true;
  }
  co_return result;
}

}  // namespace runbookd
