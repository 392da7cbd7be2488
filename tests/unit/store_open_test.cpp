#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;

namespace {

// Runs SQL on a file with a plain SQLite connection, as another program would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

void CreateStore(const std::string& path) {
  auto store = Store::Open(path);
  REQUIRE(store.ok());
}

}  // namespace

TEST_CASE("a fresh store has the current schema version and durable settings", "[store][open]") {
  TempDir dir;
  auto store = Store::Open(dir.path() + "/runbookd.db");
  REQUIRE(store.ok());
  CHECK(store->SchemaVersion().value() == schema::CurrentVersion());
  auto settings = store->ReadConnectionSettings();
  REQUIRE(settings.ok());
  CHECK(settings->journal_mode == "wal");
  CHECK(settings->synchronous == 2);  // FULL
  CHECK(settings->foreign_keys);
  CHECK(settings->busy_timeout_ms == 5000);
}

TEST_CASE("reopening a store keeps its data", "[store][open]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  IncidentId id = 0;
  {
    auto store = Store::Open(path);
    REQUIRE(store.ok());
    id = store->OpenIncident({"APIEndpointDown", "", {}, "critical", At(0)}).value().id;
    REQUIRE(store->UpsertAlert(FiringAlert("725cd57bece34f10", At(0), At(1))).ok());
  }
  auto store = Store::Open(path);
  REQUIRE(store.ok());
  CHECK(store->SchemaVersion().value() == schema::CurrentVersion());
  auto incident = store->GetIncident(id);
  REQUIRE(incident.ok());
  REQUIRE(incident->has_value());
  CHECK((*incident)->incident.rule == "APIEndpointDown");
  CHECK(store->GetAlert("725cd57bece34f10", At(0)).value().has_value());
}

TEST_CASE("an empty file becomes a store", "[store][open]") {
  TempDir dir;
  const std::string path = dir.Write("runbookd.db", "");
  auto store = Store::Open(path);
  REQUIRE(store.ok());
  CHECK(store->SchemaVersion().value() == schema::CurrentVersion());
}

TEST_CASE("a store with a newer schema is refused and left untouched", "[store][open]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  CreateStore(path);
  RawExec(path, "PRAGMA user_version = 99");
  const auto before = FileSnapshot::Of(path);

  auto store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == ErrorCode::kNewerSchema);
  CHECK(store.error().message == "store " + path + " has schema version 99, newer than this runbookd (" +
                                     std::to_string(schema::CurrentVersion()) + "); refusing to start");
  CHECK(FileSnapshot::Of(path) == before);
}

TEST_CASE("a file that is not a SQLite database is refused and left untouched", "[store][open]") {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage.push_back(static_cast<char>((i * 7919) % 251));
  const std::string content = GENERATE_COPY(as<std::string>{}, "hello, this is not a database\n", garbage);
  const std::string path = dir.Write("runbookd.db", content);
  const auto before = FileSnapshot::Of(path);

  auto store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == ErrorCode::kNotAStore);
  CHECK(store.error().message == "store " + path + " is not a SQLite database; refusing to start");
  CHECK(FileSnapshot::Of(path) == before);
}

TEST_CASE("a SQLite database of another program is refused and left untouched", "[store][open]") {
  TempDir dir;
  const std::string path = dir.path() + "/other.db";
  RawExec(path, "CREATE TABLE notes (text TEXT)");
  const auto before = FileSnapshot::Of(path);

  auto store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == ErrorCode::kNotAStore);
  CHECK(store.error().message == "store " + path +
                                     " is a SQLite database but not a runbookd store (application_id 0x00000000); "
                                     "refusing to start");
  CHECK(FileSnapshot::Of(path) == before);
}

TEST_CASE("a store that cannot be created is an error with one line", "[store][open]") {
  TempDir dir;
  const std::string not_a_directory = dir.Write("file", "x");
  auto store = Store::Open(not_a_directory + "/runbookd.db");
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == ErrorCode::kCannotOpen);
  CHECK(store.error().message.rfind("cannot create store " + not_a_directory + "/runbookd.db: ", 0) == 0);
  CHECK(store.error().message.find('\n') == std::string::npos);
}
