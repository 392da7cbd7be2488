#include "daemon/store/sqlite.hpp"

#include <cstring>

namespace runbookd::store::sqlite {
namespace {

ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kBusy;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConstraint;
    case SQLITE_CANTOPEN:
      return ErrorCode::kCannotOpen;
    case SQLITE_NOTADB:
      return ErrorCode::kNotAStore;
    default:
      return ErrorCode::kIo;
  }
}

}  // namespace

Error MakeError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // The connection's message is the precise one, but only while it still describes rc.
  const bool db_has_it = db != nullptr && sqlite3_extended_errcode(db) == rc;
  message += db_has_it ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int sys_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (db_has_it && sys_errno != 0 && ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_IOERR)) {
    message += " (";
    message += std::strerror(sys_errno);
    message += ")";
  }
  return Error{CodeFor(rc), std::move(message)};
}

Result<Database> Database::Open(const std::string& path, int flags, const char* vfs) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_EXRESCODE, vfs);
  Database db(raw);  // closes the handle even when opening failed
  if (rc != SQLITE_OK) return MakeError(raw, rc, path);
  return db;
}

Status Database::Exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return MakeError(db_.get(), rc, sql.substr(0, sql.find_first_of("(;\n")));
  return Ok();
}

Result<int64_t> Database::QueryInt(const std::string& sql) {
  auto stmt = Statement::Prepare(db_.get(), sql);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!row.value()) return Error{ErrorCode::kIo, sql + ": returned no row"};
  return stmt->Int64(0);
}

Result<std::string> Database::QueryText(const std::string& sql) {
  auto stmt = Statement::Prepare(db_.get(), sql);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!row.value()) return Error{ErrorCode::kIo, sql + ": returned no row"};
  return stmt->Text(0);
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) return MakeError(db, rc, "prepare");
  return Statement(raw);
}

void Statement::NoteBindResult(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, int64_t value) { NoteBindResult(sqlite3_bind_int64(stmt_.get(), index, value)); }

void Statement::Bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string_view may carry one.
  const char* data = text.data() != nullptr ? text.data() : "";
  NoteBindResult(sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindNull(int index) { NoteBindResult(sqlite3_bind_null(stmt_.get(), index)); }

Result<bool> Statement::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_.get());
  if (bind_error_ != SQLITE_OK) return MakeError(nullptr, bind_error_, "bind");
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return MakeError(db, rc, "step");
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row) return row.error();
    if (!row.value()) return Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = SQLITE_OK;
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), size);
}

std::optional<int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

Result<StatementCache::Lease> StatementCache::Get(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto prepared = Statement::Prepare(db_, sql);
    if (!prepared) return prepared.error();
    it = statements_.emplace(sql, std::make_unique<Statement>(std::move(prepared).value())).first;
  }
  return Lease(it->second.get());
}

}  // namespace runbookd::store::sqlite
