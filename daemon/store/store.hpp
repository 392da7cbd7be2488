#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/error.hpp"
#include "daemon/store/records.hpp"
#include "daemon/store/records_gates.hpp"
#include "daemon/store/sqlite.hpp"

namespace runbookd::store {

struct OpenOptions {
  std::chrono::milliseconds busy_timeout{5000};
  std::string vfs;  // SQLite VFS name; empty for the default (tests inject I/O faults with their own)
};

// Settings of the open connection, read back from SQLite (for tests and start-up logs).
struct ConnectionSettings {
  std::string journal_mode;  // "wal"
  int synchronous = 0;       // 2 = FULL: a commit is on disk when it returns
  bool foreign_keys = false;
  int64_t busy_timeout_ms = 0;
};

// ---- Budgets ----
// One row of the budget gate's state (daemon/gates/budget_gate): scope "global" | "rule" |
// "action" | "target", and the rule, action or target it counts ("" for global).
struct BudgetRecord {
  std::string scope;
  std::string key;
  std::vector<WallTime> runs;  // run times still inside the scope's window, oldest first
  std::optional<WallTime> cooldown_until;
  std::optional<WallTime> circuit_open_until;
};

// Durable state in one SQLite file. Synchronous: in the daemon it lives on StoreWriter's thread;
// unit tests call it directly. Each operation outside a transaction commits by itself.
class Store {
 public:
  // Opens or creates the store and applies pending migrations. Refuses, leaving the file as it
  // is, a file that is not a runbookd store or whose schema is newer than this binary.
  static Result<Store> Open(const std::string& path, const OpenOptions& options = {});

  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) noexcept = default;

  const std::string& path() const { return path_; }
  Result<int> SchemaVersion();
  Result<ConnectionSettings> ReadConnectionSettings();

  // ---- Transactions (StoreWriter's group commit) ----
  Status Begin();  // BEGIN IMMEDIATE: takes the write lock now, not at the first write
  Status Commit();
  void Rollback();  // no-op outside a transaction
  bool InTransaction() const { return db_.InTransaction(); }
  // One level of savepoint inside a transaction, so that one job can be undone alone.
  Status Savepoint();
  Status ReleaseSavepoint();
  Status RollbackToSavepoint();  // undoes since Savepoint() and releases it

  // ---- Alerts ----
  Result<AlertUpsert> UpsertAlert(const AlertRecord& alert);
  Result<std::optional<StoredAlert>> GetAlert(std::string_view fingerprint, WallTime starts_at);
  Result<std::vector<StoredAlert>> ListFiringAlerts();
  Status LinkAlertToIncident(std::string_view fingerprint, WallTime starts_at, IncidentId incident);

  // ---- Incidents ----
  // Opens an incident, or returns the unresolved one that rule + group_key already has.
  Result<OpenedIncident> OpenIncident(const NewIncident& incident);
  // Resolved is final (a later match opens a new incident): leaving it is kInvalidArgument.
  Status SetIncidentState(IncidentId id, IncidentState state, WallTime at);
  Status SetSuppressedBy(IncidentId id, const std::optional<std::string>& suppressed_by, WallTime at);
  Result<int64_t> AppendTimeline(const TimelineEntry& entry);  // the entry's id
  Result<std::vector<IncidentRecord>> ListIncidents(const IncidentFilter& filter);
  Result<std::optional<IncidentDetail>> GetIncident(IncidentId id);
  Result<std::vector<IncidentRecord>> LoadOpenIncidents();  // every unresolved one, oldest first

  // ---- Actions ----
  Result<ActionIntentId> InsertActionIntent(const NewActionIntent& intent);
  Status SetActionIntentState(ActionIntentId id, ActionIntentState state, WallTime at);
  Status InsertActionOutcome(const ActionOutcomeRecord& outcome);
  // Intents still `running` (the process died during the run) become `interrupted`; returns them.
  Result<std::vector<ActionIntentRecord>> MarkInterruptedIntents(WallTime at);
  Result<std::optional<ActionIntentRecord>> GetActionIntent(ActionIntentId id);
  Result<std::vector<ActionIntentRecord>> ListActionIntents(int limit);  // newest first, with outcomes

  // ---- Budgets ----
  // Replaces the whole budgets table with `rows` (the gate's Snapshot), all or nothing.
  Status SaveBudgets(const std::vector<BudgetRecord>& rows);
  Result<std::vector<BudgetRecord>> LoadBudgets();

  // ---- Approvals ----
  // kInvalidArgument for a quorum below 1, an expiry not after the request, an empty plan hash.
  Result<ApprovalId> InsertApproval(const NewApproval& approval);
  // Records one approver's vote and decides: approved once distinct approve votes reach the quorum,
  // denied at the first deny. Refused (nothing written): not pending, or the approver has voted. A
  // vote at or after expires_at expires the approval instead. kNotFound for an unknown id.
  Result<ApprovalChange> AddApprovalVote(ApprovalId id, const ApprovalVote& vote);
  // Ends a pending approval without votes: `state` is kDenied (with `reason`; `invalidated` when the
  // plan no longer holds) or kExpired; kInvalidArgument for any other state. Refused when decided,
  // except that an approved one can still be invalidated (denied; `decided` stays false).
  Result<ApprovalChange> DecideApproval(ApprovalId id, ApprovalState state, WallTime at, const std::string& reason,
                                        bool invalidated);
  Result<std::vector<ApprovalRecord>> ListPendingApprovals();  // oldest first, with votes
  Result<std::optional<ApprovalRecord>> GetApproval(ApprovalId id);
  // Pending approvals whose expires_at is at or before `now` become expired; returns them.
  Result<std::vector<ApprovalRecord>> ExpireApprovals(WallTime now);

  // ---- Silences ----
  // kInvalidArgument for no matchers, an unknown operator, or ends_at not after starts_at.
  Result<SilenceId> InsertSilence(const NewSilence& silence);
  Result<std::vector<SilenceRecord>> ListSilences(const SilenceFilter& filter);
  Result<std::optional<SilenceRecord>> GetSilence(SilenceId id);
  // Ends a silence now: sets expired_at and pulls ends_at back to `now` (a silence that has not
  // started yet ends just after its start). kNotFound; kInvalidArgument when it has already ended.
  Result<SilenceRecord> ExpireSilence(SilenceId id, WallTime now);

 private:
  Store(std::string path, sqlite::Database db);
  Result<sqlite::StatementCache::Lease> Prepared(const std::string& sql) { return statements_->Get(sql); }
  Result<std::vector<IncidentRecord>> QueryIncidents(const std::string& sql,
                                                     const std::function<void(sqlite::Statement&)>& bind);
  Result<std::vector<TimelineEntry>> QueryTimeline(IncidentId id);
  Status ExplainNoIncidentChange(IncidentId id, IncidentState wanted);
  Result<std::vector<ActionIntentRecord>> QueryIntents(const std::string& where, int64_t param, int limit);
  Result<std::vector<ApprovalRecord>> QueryApprovals(const std::string& where, int64_t param);
  Result<ApprovalChange> SetApprovalDecision(ApprovalRecord approval, ApprovalState state, WallTime at,
                                             const std::string& reason, bool invalidated);
  Result<std::vector<SilenceRecord>> QuerySilences(const std::string& where_and_order, int64_t param, int limit);

  std::string path_;
  sqlite::Database db_;
  std::unique_ptr<sqlite::StatementCache> statements_;  // destroyed before db_
};

}  // namespace runbookd::store
