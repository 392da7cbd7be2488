#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;

namespace {

Store OpenStore(const std::string& path) {
  auto store = Store::Open(path);
  REQUIRE(store.ok());
  return std::move(store).value();
}

NewSilence Silence(WallTime starts, WallTime ends) {
  NewSilence s;
  s.matchers = {{"alertname", SilenceMatchOp::kEqual, "APIEndpointDown"},
                {"namespace", SilenceMatchOp::kRegex, "prod.*"}};
  s.starts_at = starts;
  s.ends_at = ends;
  s.created_by = "oncall";
  s.comment = "database upgrade";
  s.created_at = At(0);
  return s;
}

}  // namespace

TEST_CASE("a silence is stored with its matchers and listed while it has not ended") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const SilenceId id = store.InsertSilence(Silence(At(0), At(3600))).value();
  auto got = store.GetSilence(id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const SilenceRecord& s = **got;
  CHECK(s.matchers == Silence(At(0), At(1)).matchers);
  CHECK(s.created_by == "oncall");
  CHECK(s.comment == "database upgrade");
  CHECK(s.ActiveAt(At(10)));
  CHECK(!s.ActiveAt(At(3600)));
  CHECK(store.ListSilences(SilenceFilter{.now = At(10)})->size() == 1);
  CHECK(store.ListSilences(SilenceFilter{.now = At(3600)})->empty());
  CHECK(store.ListSilences(SilenceFilter{.include_ended = true, .now = At(3600)})->size() == 1);
}

TEST_CASE("a silence without matchers or ending before it starts is refused") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  NewSilence none = Silence(At(0), At(60));
  none.matchers.clear();
  CHECK(store.InsertSilence(none).error().code == ErrorCode::kInvalidArgument);
  CHECK(store.InsertSilence(Silence(At(60), At(60))).error().code == ErrorCode::kInvalidArgument);
  CHECK(store.ListSilences(SilenceFilter{.include_ended = true})->empty());
}

TEST_CASE("expiring a silence ends it now, and a scheduled one right after its start") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const SilenceId active = store.InsertSilence(Silence(At(0), At(3600))).value();
  const SilenceId scheduled = store.InsertSilence(Silence(At(600), At(3600))).value();

  auto expired = store.ExpireSilence(active, At(100));
  REQUIRE(expired.ok());
  CHECK(expired->expired_at == At(100));
  CHECK(expired->ends_at == At(100));
  CHECK(!expired->ActiveAt(At(100)));
  auto early = store.ExpireSilence(scheduled, At(100));
  REQUIRE(early.ok());
  CHECK(early->ends_at == At(600) + std::chrono::milliseconds(1));
  CHECK(!early->ActiveAt(At(600)));

  CHECK(store.ExpireSilence(active, At(200)).error().code == ErrorCode::kInvalidArgument);
  CHECK(store.ExpireSilence(999, At(200)).error().code == ErrorCode::kNotFound);
  CHECK(store.ListSilences(SilenceFilter{.now = At(200)})->empty());
  auto all = store.ListSilences(SilenceFilter{.include_ended = true, .now = At(200)});
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].id == scheduled);  // newest first
  CHECK(store.GetSilence(active).value()->expired_at == At(100));
}
