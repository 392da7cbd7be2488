// Store::Open: look at an existing file without changing it, then open it read-write, configure
// the connection for durability and apply pending migrations.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"

namespace runbookd::store {
namespace {

// Offsets in the 100-byte SQLite header (https://www.sqlite.org/fileformat.html#the_database_header).
constexpr size_t kHeaderSize = 100;
constexpr size_t kUserVersionOffset = 60;
constexpr size_t kApplicationIdOffset = 68;
constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL

Error Refuse(ErrorCode code, const std::string& path, const std::string& why) {
  return Error{code, "store " + path + " " + why + "; refusing to start"};
}

int32_t ReadBigEndian32(const unsigned char* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]);
}

// Decides from application_id and user_version whether we may open the file read-write.
// table_count is nullopt when unknown (header only): an id of 0 is then left to the next check.
Status CheckIdentity(const std::string& path, int32_t application_id, int64_t user_version,
                     std::optional<int64_t> table_count) {
  if (application_id == schema::kApplicationId) {
    if (user_version <= schema::CurrentVersion()) return Ok();
    return Refuse(ErrorCode::kNewerSchema, path,
                  "has schema version " + std::to_string(user_version) + ", newer than this runbookd (" +
                      std::to_string(schema::CurrentVersion()) + ")");
  }
  if (application_id == 0 && user_version == 0 && table_count.value_or(0) == 0) return Ok();  // empty
  char id[16];
  std::snprintf(id, sizeof id, "0x%08x", static_cast<uint32_t>(application_id));
  return Refuse(ErrorCode::kNotAStore, path,
                std::string("is a SQLite database but not a runbookd store (application_id ") + id + ")");
}

// Reads the header with plain read(2), so a file we refuse gets no -wal/-shm companions.
Status CheckHeader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Ok();  // will be created
  if (fd < 0) return Error{ErrorCode::kCannotOpen, "cannot read store " + path + ": " + std::strerror(errno)};
  std::array<unsigned char, kHeaderSize> header{};
  const ssize_t n = ::read(fd, header.data(), header.size());
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) return Error{ErrorCode::kCannotOpen, "cannot read store " + path + ": " + std::strerror(read_errno)};
  if (n == 0) return Ok();  // an empty file is an empty database to SQLite
  if (static_cast<size_t>(n) < kHeaderSize || std::memcmp(header.data(), kMagic, sizeof kMagic) != 0) {
    return Refuse(ErrorCode::kNotAStore, path, "is not a SQLite database");
  }
  return CheckIdentity(path, ReadBigEndian32(&header[kApplicationIdOffset]),
                       ReadBigEndian32(&header[kUserVersionOffset]), std::nullopt);
}

struct Identity {
  int32_t application_id = 0;
  int64_t user_version = 0;
  int64_t table_count = 0;
};

Result<Identity> ReadIdentity(sqlite::Database& db) {
  auto application_id = db.QueryInt("PRAGMA application_id");
  if (!application_id) return application_id.error();
  auto user_version = db.QueryInt("PRAGMA user_version");
  if (!user_version) return user_version.error();
  auto tables = db.QueryInt("SELECT count(*) FROM sqlite_schema");
  if (!tables) return tables.error();
  return Identity{static_cast<int32_t>(application_id.value()), user_version.value(), tables.value()};
}

// The header may be stale (WAL not yet checkpointed), so ask SQLite too, on a read-only handle.
Status CheckReadOnly(const std::string& path, const char* vfs) {
  auto db = sqlite::Database::Open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs);
  if (!db) return Error{ErrorCode::kCannotOpen, "cannot read store " + db.error().message};
  auto identity = ReadIdentity(db.value());
  if (!identity && identity.error().code == ErrorCode::kNotAStore) {
    return Refuse(ErrorCode::kNotAStore, path, "is not a SQLite database");
  }
  if (!identity) return Error{ErrorCode::kCannotOpen, "cannot read store " + path + ": " + identity.error().message};
  return CheckIdentity(path, identity->application_id, identity->user_version, identity->table_count);
}

// WAL with synchronous=FULL: a commit has been fsynced when it returns.
Status Configure(sqlite::Database& db, const OpenOptions& options) {
  if (auto s = db.Exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count())); !s) return s;
  auto mode = db.QueryText("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (mode.value() != "wal") return Error{ErrorCode::kIo, "cannot switch to WAL mode (still " + mode.value() + ")"};
  return db.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864");
}

Status ApplyMigrations(sqlite::Database& db, int64_t from_version) {
  for (const auto& migration : schema::Migrations()) {
    if (migration.version <= from_version) continue;
    if (auto s = db.Exec(migration.sql); !s) {
      return Error{s.error().code, "migration to schema version " + std::to_string(migration.version) +
                                       " failed: " + s.error().message};
    }
  }
  return db.Exec("PRAGMA application_id = " + std::to_string(schema::kApplicationId) +
                 "; PRAGMA user_version = " + std::to_string(schema::CurrentVersion()));
}

// Re-checks identity under the write lock (another process may have migrated meanwhile).
Status Migrate(sqlite::Database& db, const std::string& path) {
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s) return s;
  auto identity = ReadIdentity(db);
  Status status = identity
                      ? CheckIdentity(path, identity->application_id, identity->user_version, identity->table_count)
                      : Status(identity.error());
  if (status && identity->user_version < schema::CurrentVersion()) {
    status = ApplyMigrations(db, identity->user_version);
  }
  if (status) status = db.Exec("COMMIT");
  if (!status && db.InTransaction()) (void)db.Exec("ROLLBACK");
  return status;
}

}  // namespace

Result<Store> Store::Open(const std::string& path, const OpenOptions& options) {
  const char* vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
  const bool exists = ::access(path.c_str(), F_OK) == 0;
  if (exists) {
    if (auto s = CheckHeader(path); !s) return s.error();
    if (auto s = CheckReadOnly(path, vfs); !s) return s.error();
  }
  auto db = sqlite::Database::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  if (!db)
    return Error{ErrorCode::kCannotOpen, (exists ? "cannot open store " : "cannot create store ") + db.error().message};
  const auto in_context = [&](const Error& e) {
    return e.code == ErrorCode::kNewerSchema || e.code == ErrorCode::kNotAStore
               ? e
               : Error{e.code, "store " + path + ": " + e.message};
  };
  if (auto s = Configure(db.value(), options); !s) return in_context(s.error());
  if (auto s = Migrate(db.value(), path); !s) return in_context(s.error());
  return Store(path, std::move(db).value());
}

}  // namespace runbookd::store
