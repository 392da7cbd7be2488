// Start-up's review of runs a crash interrupted (ARCHITECTURE.md §5). An intent left `running`
// is never executed again: its action is planned afresh (no side effects) and the objects the
// interrupted plan observed are compared with those there now, so that the timeline and the page
// say whether the run most likely took effect. What happens next is a human's decision.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>

#include "daemon/engine/action_pipeline.hpp"
#include "daemon/engine/plan_changes.hpp"

namespace runbookd {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// What re-validation found, comparing the interrupted plan (its stored JSON) with a fresh one.
// Only objects both plans observed are compared: a fresh plan may pick other objects (a rollback
// that took effect picks another ReplicaSet), which says nothing by itself.
std::string Finding(const std::string& target, const std::string& stored_plan_json, const ActionPlan& fresh) {
  boost::system::error_code ec;
  const json::value stored = json::parse(stored_plan_json, ec);
  const json::value* observed = ec || !stored.is_object() ? nullptr : stored.get_object().if_contains("observed");
  if (observed == nullptr || !observed->is_array()) return "could not re-validate: the interrupted plan is unreadable";
  int compared = 0;
  const std::vector<std::string> changes = ObservedChanges(observed->get_array(), fresh.observed, &compared);
  if (compared == 0) return "could not re-validate " + target + ": " + fresh.summary;
  if (changes.empty())
    return "re-validated: " + target + " is unchanged since the plan: the interrupted run did not take effect";
  std::string list;
  for (const auto& c : changes) list += (list.empty() ? "" : ", ") + c;
  return "re-validated: changed since the plan: " + list + ": the interrupted run most likely took effect";
}

}  // namespace

void ActionPipeline::ReviewInterrupted(std::vector<store::ActionIntentRecord> intents) {
  for (auto& intent : intents) {
    asio::co_spawn(executor_, ReviewInterruptedRun(std::move(intent)), asio::detached);
  }
}

// GCC 12 misreports the coroutine frame's allocation (Asio's, freed by its matching operator
// delete) as a mismatched new/delete once the awaited coroutines are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> ActionPipeline::ReviewInterruptedRun(store::ActionIntentRecord intent) {
  const auto alive = alive_;
  const auto settings = settings_;
  std::string finding;
  if (auto found = settings->actions.find(intent.action); found == settings->actions.end()) {
    finding = "could not re-validate: no action named \"" + intent.action + "\" is configured now";
  } else {
    const PipelineAction& action = found->second;
    ActionRunRequest run{action.name, action.impl, {}, true, action.timeout, intent.incident_id, "restart"};
    ActionPlan fresh = co_await runner_.Plan(run);
    if (!*alive) co_return;  // stopping: the timeline and the notifiers are going away
    finding = Finding(intent.target, intent.plan_json, fresh);
  }
  const std::string message = "action " + intent.action + " (intent " + std::to_string(intent.id) + ") on " +
                              intent.target + " was interrupted by a restart; it is not run again; " + finding +
                              "; check " + intent.target + " by hand";
  logger_->warn("{}", message);
  if (intent.incident_id) {
    if (ports_.set_state) ports_.set_state(*intent.incident_id, store::IncidentState::kEscalated);
    Note(intent.incident_id, store::TimelineKind::kAction, message);
  }
  if (!ports_.notify) co_return;
  Notification n;
  n.kind = NotificationKind::kEscalated;
  n.state = "escalated";
  n.incident_id = intent.incident_id.value_or(0);
  n.action = intent.action;
  n.text = message;
  n.at = clock_.WallNow();
  ports_.notify(std::move(n));
}
#pragma GCC diagnostic pop

}  // namespace runbookd
