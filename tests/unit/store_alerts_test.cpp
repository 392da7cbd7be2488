#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;

namespace {

constexpr const char* kFingerprint = "725cd57bece34f10";

Store OpenStore(const TempDir& dir) {
  auto store = Store::Open(dir.path() + "/runbookd.db");
  REQUIRE(store.ok());
  return std::move(store).value();
}

StoredAlert Get(Store& store, const std::string& fingerprint, WallTime starts_at) {
  auto alert = store.GetAlert(fingerprint, starts_at);
  REQUIRE(alert.ok());
  REQUIRE(alert->has_value());
  return **alert;
}

}  // namespace

TEST_CASE("the same delivery three times gives one row whose last_seen moves", "[store][alerts]") {
  TempDir dir;
  Store store = OpenStore(dir);
  CHECK(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(10))).value() == AlertUpsert::kInserted);
  CHECK(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(20))).value() == AlertUpsert::kUpdatedLastSeen);
  auto changed = FiringAlert(kFingerprint, At(0), At(30));
  changed.annotations["summary"] = "a later wording";  // a repeat changes nothing but last_seen
  CHECK(store.UpsertAlert(changed).value() == AlertUpsert::kUpdatedLastSeen);
  CHECK(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(30))).value() == AlertUpsert::kUnchanged);

  auto firing = store.ListFiringAlerts();
  REQUIRE(firing.ok());
  REQUIRE(firing->size() == 1);
  const StoredAlert& stored = firing->front();
  CHECK(stored.record.fingerprint == kFingerprint);
  CHECK(stored.record.status == AlertStatus::kFiring);
  CHECK(stored.record.annotations.at("summary") == "ISR shrink");
  CHECK(stored.record.labels == FiringAlert(kFingerprint, At(0), At(0)).labels);
  CHECK(stored.record.group_key == "{}:{alertname=\"KafkaUnderReplicated\"}");
  CHECK(stored.first_seen == At(10));
  CHECK(stored.record.seen_at == At(30));
  CHECK_FALSE(stored.record.ends_at.has_value());
  CHECK_FALSE(stored.incident_id.has_value());
}

TEST_CASE("a resolved delivery closes only its own instance", "[store][alerts]") {
  TempDir dir;
  Store store = OpenStore(dir);
  // The same alert fired twice: two instances with one fingerprint and different startsAt.
  REQUIRE(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(1))).ok());
  REQUIRE(store.UpsertAlert(FiringAlert(kFingerprint, At(600), At(601))).ok());

  CHECK(store.UpsertAlert(ResolvedAlert(kFingerprint, At(0), At(300), At(302))).value() == AlertUpsert::kResolved);

  const StoredAlert first = Get(store, kFingerprint, At(0));
  CHECK(first.record.status == AlertStatus::kResolved);
  CHECK(first.record.ends_at == At(300));
  CHECK(first.record.seen_at == At(302));
  const StoredAlert second = Get(store, kFingerprint, At(600));
  CHECK(second.record.status == AlertStatus::kFiring);
  CHECK_FALSE(second.record.ends_at.has_value());

  // Redelivering the resolution changes only last_seen.
  CHECK(store.UpsertAlert(ResolvedAlert(kFingerprint, At(0), At(300), At(400))).value() ==
        AlertUpsert::kUpdatedLastSeen);
  CHECK(Get(store, kFingerprint, At(0)).record.ends_at == At(300));
}

TEST_CASE("a resolution seen before its firing is stored resolved and stays resolved", "[store][alerts]") {
  TempDir dir;
  Store store = OpenStore(dir);
  CHECK(store.UpsertAlert(ResolvedAlert(kFingerprint, At(0), At(60), At(61))).value() == AlertUpsert::kInserted);
  // The firing delivery of the same instance arrives late: it must not reopen it.
  CHECK(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(62))).value() == AlertUpsert::kUnchanged);

  const StoredAlert stored = Get(store, kFingerprint, At(0));
  CHECK(stored.record.status == AlertStatus::kResolved);
  CHECK(stored.record.ends_at == At(60));
  CHECK(store.ListFiringAlerts().value().empty());
}

TEST_CASE("an alert links to an incident, and a missing alert is not found", "[store][alerts]") {
  TempDir dir;
  Store store = OpenStore(dir);
  REQUIRE(store.UpsertAlert(FiringAlert(kFingerprint, At(0), At(1))).ok());
  const IncidentId id = store.OpenIncident({"KafkaUnderReplicated", "prod", {}, "critical", At(2)}).value().id;

  REQUIRE(store.LinkAlertToIncident(kFingerprint, At(0), id).ok());
  CHECK(Get(store, kFingerprint, At(0)).incident_id == id);

  auto missing = store.LinkAlertToIncident(kFingerprint, At(999), id);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  auto no_incident = store.LinkAlertToIncident(kFingerprint, At(0), id + 100);
  REQUIRE_FALSE(no_incident.ok());
  CHECK(no_incident.error().code == ErrorCode::kConstraint);
  CHECK_FALSE(store.GetAlert(kFingerprint, At(999)).value().has_value());
}
