#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "daemon/store/error.hpp"

// Small RAII wrappers over the SQLite C API: a connection, a prepared statement, a cache of
// prepared statements. Every failure becomes an Error carrying SQLite's message.
namespace runbookd::store::sqlite {

// Maps an SQLite result code to an ErrorCode, with `what` and the connection's message.
Error MakeError(sqlite3* db, int rc, std::string_view what);

class Database {
 public:
  // flags: SQLITE_OPEN_*; vfs: nullptr for the default. On failure the message starts with `path`.
  static Result<Database> Open(const std::string& path, int flags, const char* vfs);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  sqlite3* get() const { return db_.get(); }
  // Runs one or more statements that return nothing useful (DDL, PRAGMA x = y, BEGIN, ...).
  Status Exec(const std::string& sql);
  // Runs a statement that returns one integer (PRAGMA user_version, SELECT count(*), ...).
  Result<int64_t> QueryInt(const std::string& sql);
  Result<std::string> QueryText(const std::string& sql);
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// A prepared statement. Bind* take 1-based parameter indexes; Column* take 0-based columns.
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view text);
  void Bind(int index, const char* text) { Bind(index, std::string_view(text)); }
  void Bind(int index, const std::string& text) { Bind(index, std::string_view(text)); }
  void BindNull(int index);
  template <typename T>
  void Bind(int index, const std::optional<T>& value) {
    value ? Bind(index, *value) : BindNull(index);
  }
  // Binds every argument in order, starting at parameter 1.
  template <typename... Args>
  void BindAll(const Args&... args) {
    int index = 0;
    (Bind(++index, args), ...);
  }

  // true: a row is ready to read; false: the statement has finished.
  Result<bool> Step();
  // Steps to the end, for statements whose rows (if any) are not needed.
  Status Run();
  // Makes the statement reusable: resets it and clears its bindings.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  void NoteBindResult(int rc);

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_error_ = SQLITE_OK;  // the first failed Bind, reported by Step
};

// Prepared statements kept for the life of the connection, keyed by their SQL text. A statement
// handed out is reset when the Lease goes away, so no statement is left half-stepped.
class StatementCache {
 public:
  class Lease {
   public:
    explicit Lease(Statement* stmt) : stmt_(stmt) {}
    Lease(Lease&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (stmt_ != nullptr) stmt_->Reset();
    }
    Statement* operator->() const { return stmt_; }
    Statement& operator*() const { return *stmt_; }

   private:
    Statement* stmt_;
  };

  explicit StatementCache(sqlite3* db) : db_(db) {}
  Result<Lease> Get(const std::string& sql);

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace runbookd::store::sqlite
