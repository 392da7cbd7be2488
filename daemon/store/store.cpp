#include "daemon/store/store.hpp"

namespace runbookd::store {

Store::Store(std::string path, sqlite::Database db)
    : path_(std::move(path)), db_(std::move(db)), statements_(std::make_unique<sqlite::StatementCache>(db_.get())) {}

Result<int> Store::SchemaVersion() {
  auto version = db_.QueryInt("PRAGMA user_version");
  if (!version) return version.error();
  return static_cast<int>(version.value());
}

Result<ConnectionSettings> Store::ReadConnectionSettings() {
  ConnectionSettings settings;
  auto mode = db_.QueryText("PRAGMA journal_mode");
  if (!mode) return mode.error();
  settings.journal_mode = mode.value();
  auto synchronous = db_.QueryInt("PRAGMA synchronous");
  if (!synchronous) return synchronous.error();
  settings.synchronous = static_cast<int>(synchronous.value());
  auto foreign_keys = db_.QueryInt("PRAGMA foreign_keys");
  if (!foreign_keys) return foreign_keys.error();
  settings.foreign_keys = foreign_keys.value() != 0;
  auto busy_timeout = db_.QueryInt("PRAGMA busy_timeout");
  if (!busy_timeout) return busy_timeout.error();
  settings.busy_timeout_ms = busy_timeout.value();
  return settings;
}

Status Store::Begin() { return db_.Exec("BEGIN IMMEDIATE"); }

Status Store::Commit() { return db_.Exec("COMMIT"); }

void Store::Rollback() {
  // SQLite may already have rolled back by itself (after an I/O error or disk full).
  if (db_.InTransaction()) (void)db_.Exec("ROLLBACK");
}

Status Store::Savepoint() { return db_.Exec("SAVEPOINT job"); }

Status Store::ReleaseSavepoint() { return db_.Exec("RELEASE job"); }

Status Store::RollbackToSavepoint() { return db_.Exec("ROLLBACK TO job; RELEASE job"); }

}  // namespace runbookd::store
