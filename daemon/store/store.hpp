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

 private:
  Store(std::string path, sqlite::Database db);
  Result<sqlite::StatementCache::Lease> Prepared(const std::string& sql) { return statements_->Get(sql); }
  Result<std::vector<IncidentRecord>> QueryIncidents(const std::string& sql,
                                                     const std::function<void(sqlite::Statement&)>& bind);
  Result<std::vector<TimelineEntry>> QueryTimeline(IncidentId id);
  Status ExplainNoIncidentChange(IncidentId id, IncidentState wanted);
  Result<std::vector<ActionIntentRecord>> QueryIntents(const std::string& where, int64_t param, int limit);

  std::string path_;
  sqlite::Database db_;
  std::unique_ptr<sqlite::StatementCache> statements_;  // destroyed before db_
};

}  // namespace runbookd::store
