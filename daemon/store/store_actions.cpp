// Action intents and their outcomes.
#include "daemon/store/codec.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

using codec::ToUnixMs;

constexpr const char* kInsertIntent =
    "INSERT INTO action_intents (incident_id, action, target, plan_hash, plan, dry_run, state, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id";
constexpr const char* kSetIntentState = "UPDATE action_intents SET state = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char* kInsertOutcome =
    "INSERT INTO action_outcomes (intent_id, attempt, outcome, retryable, reason, detail, started_at, finished_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kSelectIntents =
    "SELECT id, incident_id, action, target, plan_hash, plan, dry_run, state, created_at, updated_at"
    " FROM action_intents";
constexpr const char* kSelectOutcomes =
    "SELECT intent_id, attempt, outcome, retryable, reason, detail, started_at, finished_at FROM action_outcomes"
    " WHERE intent_id = ?1 ORDER BY attempt";

Result<ActionIntentRecord> ReadIntent(const sqlite::Statement& row) {
  ActionIntentRecord r;
  r.id = row.Int64(0);
  r.incident_id = row.OptionalInt64(1);
  r.action = row.Text(2);
  r.target = row.Text(3);
  r.plan_hash = row.Text(4);
  r.plan_json = row.Text(5);
  r.dry_run = row.Int64(6) != 0;
  const auto state = ParseActionIntentState(row.Text(7));
  if (!state) return Error{ErrorCode::kIo, "action intent " + std::to_string(r.id) + " has an unknown state"};
  r.state = *state;
  r.created_at = codec::FromUnixMs(row.Int64(8));
  r.updated_at = codec::FromUnixMs(row.Int64(9));
  return r;
}

ActionOutcomeRecord ReadOutcome(const sqlite::Statement& row) {
  ActionOutcomeRecord o;
  o.intent_id = row.Int64(0);
  o.attempt = static_cast<int>(row.Int64(1));
  o.outcome = row.Text(2);
  o.retryable = row.Int64(3) != 0;
  o.reason = row.Text(4);
  o.detail = row.Text(5);
  o.started_at = codec::FromUnixMs(row.Int64(6));
  o.finished_at = codec::FromUnixMs(row.Int64(7));
  return o;
}

}  // namespace

Result<ActionIntentId> Store::InsertActionIntent(const NewActionIntent& intent) {
  auto insert = Prepared(kInsertIntent);
  if (!insert) return insert.error();
  (*insert)->BindAll(intent.incident_id, intent.action, intent.target, intent.plan_hash, intent.plan_json,
                     int64_t{intent.dry_run ? 1 : 0}, ToString(intent.state), ToUnixMs(intent.at));
  auto inserted = (*insert)->Step();
  if (!inserted) return inserted.error();
  return (*insert)->Int64(0);
}

Status Store::SetActionIntentState(ActionIntentId id, ActionIntentState state, WallTime at) {
  auto update = Prepared(kSetIntentState);
  if (!update) return update.error();
  (*update)->BindAll(id, ToString(state), ToUnixMs(at));
  if (auto s = (*update)->Run(); !s) return s;
  if (db_.Changes() == 0) return Error{ErrorCode::kNotFound, "no action intent " + std::to_string(id)};
  return Ok();
}

Status Store::InsertActionOutcome(const ActionOutcomeRecord& outcome) {
  auto insert = Prepared(kInsertOutcome);
  if (!insert) return insert.error();
  (*insert)->BindAll(outcome.intent_id, int64_t{outcome.attempt}, outcome.outcome, int64_t{outcome.retryable ? 1 : 0},
                     outcome.reason, outcome.detail, ToUnixMs(outcome.started_at), ToUnixMs(outcome.finished_at));
  return (*insert)->Run();
}

Result<std::vector<ActionIntentRecord>> Store::QueryIntents(const std::string& where, int64_t param, int limit) {
  auto select = Prepared(std::string(kSelectIntents) + where + " ORDER BY id DESC LIMIT ?2");
  if (!select) return select.error();
  (*select)->BindAll(param, int64_t{limit > 0 ? limit : -1});
  std::vector<ActionIntentRecord> intents;
  while (true) {
    auto row = (*select)->Step();
    if (!row) return row.error();
    if (!row.value()) break;
    auto intent = ReadIntent(**select);
    if (!intent) return intent.error();
    intents.push_back(std::move(intent).value());
  }
  for (auto& intent : intents) {
    auto outcomes = Prepared(kSelectOutcomes);
    if (!outcomes) return outcomes.error();
    (*outcomes)->BindAll(intent.id);
    while (true) {
      auto row = (*outcomes)->Step();
      if (!row) return row.error();
      if (!row.value()) break;
      intent.outcomes.push_back(ReadOutcome(**outcomes));
    }
  }
  return intents;
}

Result<std::vector<ActionIntentRecord>> Store::MarkInterruptedIntents(WallTime at) {
  auto running = QueryIntents(" WHERE state = 'running' AND ?1 = ?1", 0, -1);
  if (!running) return running.error();
  for (auto& intent : *running) {
    if (auto s = SetActionIntentState(intent.id, ActionIntentState::kInterrupted, at); !s) return s.error();
    intent.state = ActionIntentState::kInterrupted;
  }
  return running;
}

Result<std::optional<ActionIntentRecord>> Store::GetActionIntent(ActionIntentId id) {
  auto found = QueryIntents(" WHERE id = ?1", id, 1);
  if (!found) return found.error();
  if (found->empty()) return std::optional<ActionIntentRecord>();
  return std::optional<ActionIntentRecord>(std::move(found->front()));
}

Result<std::vector<ActionIntentRecord>> Store::ListActionIntents(int limit) {
  return QueryIntents(" WHERE ?1 = ?1", 0, limit);
}

}  // namespace runbookd::store
