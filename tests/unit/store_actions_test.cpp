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

NewActionIntent Intent(const std::string& action, ActionIntentState state, WallTime at) {
  NewActionIntent intent;
  intent.action = action;
  intent.target = "production/deployment/ecommerce-backend";
  intent.plan_hash = "abc123";
  intent.plan_json = R"({"summary":"roll back"})";
  intent.state = state;
  intent.at = at;
  return intent;
}

}  // namespace

TEST_CASE("an action intent and its outcome are stored and read back") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  auto id = store.InsertActionIntent(Intent("rollback-backend", ActionIntentState::kRunning, At(0)));
  REQUIRE(id.ok());
  ActionOutcomeRecord outcome{*id, 1, "ok", false, "ok", "deployment.apps/ecommerce-backend rolled back", At(1), At(2)};
  REQUIRE(store.InsertActionOutcome(outcome).ok());
  REQUIRE(store.SetActionIntentState(*id, ActionIntentState::kSucceeded, At(2)).ok());

  auto got = store.GetActionIntent(*id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const auto& r = **got;
  CHECK(r.action == "rollback-backend");
  CHECK(r.state == ActionIntentState::kSucceeded);
  CHECK(r.plan_json == R"({"summary":"roll back"})");
  CHECK(r.created_at == At(0));
  CHECK(r.updated_at == At(2));
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].detail == "deployment.apps/ecommerce-backend rolled back");
  CHECK(r.outcomes[0].finished_at == At(2));
}

TEST_CASE("a running intent left by a crash is marked interrupted when the store is reopened, and only that one") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  ActionIntentId running = 0;
  {
    Store store = OpenStore(path);
    running = store.InsertActionIntent(Intent("restart", ActionIntentState::kRunning, At(0))).value();
    (void)store.InsertActionIntent(Intent("dry", ActionIntentState::kDryRun, At(1))).value();
  }
  Store store = OpenStore(path);
  auto interrupted = store.MarkInterruptedIntents(At(10));
  REQUIRE(interrupted.ok());
  REQUIRE(interrupted->size() == 1);
  CHECK((*interrupted)[0].id == running);
  CHECK(store.GetActionIntent(running).value()->state == ActionIntentState::kInterrupted);
  auto list = store.ListActionIntents(10);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].action == "dry");  // newest first
  CHECK((*list)[0].state == ActionIntentState::kDryRun);
  CHECK(store.MarkInterruptedIntents(At(11))->empty());
}

TEST_CASE("setting the state of an unknown intent is an error") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  auto s = store.SetActionIntentState(42, ActionIntentState::kFailed, At(0));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kNotFound);
}
