// The incident half of the action pipeline: a rule's `then:` steps, tried in order until one
// fixes the incident, with escalation when none does or a gate says a human must look.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/engine/action_pipeline.hpp"

namespace runbookd {

namespace asio = boost::asio;

void ActionPipeline::OnIncidentEvent(const IncidentEvent& event, store::IncidentId id) {
  if (!*alive_) return;
  if (event.kind == IncidentEvent::Kind::kResolved) {
    auto it = sequences_.find(event.key);
    if (it == sequences_.end()) return;
    it->second->cancelled = true;
    if (it->second->pending_approval && ports_.invalidate_approval) {
      ports_.invalidate_approval(*it->second->pending_approval, "the incident is resolved");
    }
    return;
  }
  if (event.kind != IncidentEvent::Kind::kOpened) return;
  auto rule = settings_->rules.find(event.key.rule);
  if (rule == settings_->rules.end() || rule->second.then.empty()) return;
  // A sequence of the incident this one reopens may still be finishing: it was cancelled when
  // that incident resolved, and the new incident gets a sequence of its own.
  if (auto it = sequences_.find(event.key); it != sequences_.end() && !it->second->cancelled) return;
  auto sequence = std::make_shared<Sequence>();
  sequences_[event.key] = sequence;
  asio::co_spawn(executor_, RunSequence(event.key, id, sequence),
                 [this, alive = alive_, key = event.key, sequence](std::exception_ptr e) {
                   if (!*alive) return;
                   if (auto it = sequences_.find(key); it != sequences_.end() && it->second == sequence)
                     sequences_.erase(it);
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     logger_->error("incident {}: the action sequence failed: {}", key.rule, ex.what());
                   }
                 });
}

// GCC 12 misreports the coroutine frames' allocation (Asio's, freed by its matching operator
// delete) as a mismatched new/delete once the awaited coroutines are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> ActionPipeline::RunSequence(IncidentKey key, store::IncidentId id,
                                                  std::shared_ptr<Sequence> sequence) {
  const auto settings = settings_;
  const rules::Rule& rule = settings->rules.at(key.rule);
  for (const auto& step : rule.then) {
    if (sequence->cancelled || !*alive_) co_return;
    if (step.condition && ports_.condition_holds && !ports_.condition_holds(key, *step.condition)) {
      Note(id, store::TimelineKind::kAction,
           "skipped " + step.action + ": " + rules::Describe(*step.condition) + " does not hold");
      continue;
    }
    AttemptRequest request;
    request.action = step.action;
    request.incident = key;
    request.requested_by = "rule:" + key.rule;
    request.verify = true;
    auto attempt = Attempt(std::move(request));
    AttemptResult r = co_await std::move(attempt);
    // Resolved meanwhile (or stopping): nothing is left to fix and nobody is to be paged.
    if (!*alive_ || sequence->cancelled) co_return;
    switch (r.end) {
      case AttemptEnd::kExecuted: {
        if (r.run.outcome && r.run.outcome->ok && r.verification == Verification::kFixed) co_return;
        if (r.verification == Verification::kWorse) {
          Escalate(key, id, step.action + " made it worse");
          co_return;
        }
        const OutcomeReason reason = r.run.outcome ? r.run.outcome->reason : OutcomeReason::kInternalError;
        if (reason == OutcomeReason::kTimeout || reason == OutcomeReason::kUnavailable) {
          // The change may or may not have been made: a human must look before anything else runs.
          Escalate(key, id, step.action + " ended without a known outcome: " + r.reason);
          co_return;
        }
        continue;  // not fixed: the next step
      }
      case AttemptEnd::kNotRunnable:
        continue;
      case AttemptEnd::kDryRun:
        co_return;  // shadow mode: what would have run is recorded; nothing can be verified
      case AttemptEnd::kDenied: {
        // A maintenance window or a dependency that is down explain themselves, a cooldown (a
        // budget denial that does not escalate) ends by itself, and a freeze paged once when it
        // started, however many actions it stops; anything else (an open circuit, approval denied
        // or expired, a changed target) needs a human.
        const GateDecision* last = r.decisions.empty() ? nullptr : &r.decisions.back();
        const std::string gate = last ? last->gate : "";
        const bool explained =
            gate == "silence" || gate == "dependency" || gate == "freeze" || (gate == "budget" && !last->escalate);
        if (!explained) Escalate(key, id, r.reason);
        co_return;
      }
      case AttemptEnd::kBusy:
      case AttemptEnd::kPending:
      case AttemptEnd::kFailed:
        Escalate(key, id, r.reason);
        co_return;
    }
  }
  if (!sequence->cancelled) Escalate(key, id, "no step of " + key.rule + " fixed it");
}

asio::awaitable<Verification> ActionPipeline::Verify(const IncidentKey& key, int before) {
  const bool slept = co_await Sleep(settings_->bake_time);
  if (!slept) co_return Verification::kNotChecked;
  std::optional<IncidentView> now = ports_.incident ? ports_.incident(key) : std::nullopt;
  if (!now || !now->matching) co_return Verification::kFixed;
  if (now->unhealthy_signals > before) co_return Verification::kWorse;
  co_return Verification::kNoEffect;
}

asio::awaitable<bool> ActionPipeline::Sleep(std::chrono::milliseconds d) {
  asio::steady_timer timer(executor_, d);
  const auto alive = alive_;
  sleeping_.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!*alive) co_return false;  // the pipeline may be gone: touch nothing of it
  sleeping_.erase(&timer);
  co_return !ec;
}

#pragma GCC diagnostic pop

void ActionPipeline::Escalate(const IncidentKey& key, store::IncidentId id, const std::string& why) {
  logger_->warn("incident {} escalated: {}", key.rule, why);
  Note(id, store::TimelineKind::kState, "escalated: " + why);
  if (ports_.set_state) ports_.set_state(id, store::IncidentState::kEscalated);
  if (!ports_.notify) return;
  Notification n;
  n.kind = NotificationKind::kEscalated;
  n.state = "escalated";
  n.incident_id = id;
  n.rule = key.rule;
  n.text = why;
  n.at = clock_.WallNow();
  ports_.notify(std::move(n));
}

}  // namespace runbookd
