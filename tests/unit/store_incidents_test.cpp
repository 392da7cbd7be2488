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

NewIncident Kafka(const std::string& cluster, WallTime at) {
  return NewIncident{"KafkaUnderReplicated", "cluster=" + cluster, {{"cluster", cluster}}, "critical", at};
}

TimelineEntry Entry(IncidentId id, WallTime at, TimelineKind kind, const std::string& message) {
  TimelineEntry entry;
  entry.incident_id = id;
  entry.at = at;
  entry.source = "engine";
  entry.kind = kind;
  entry.message = message;
  return entry;
}

}  // namespace

TEST_CASE("there is one unresolved incident per rule and group", "[store][incidents]") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const OpenedIncident first = store.OpenIncident(Kafka("prod", At(0))).value();
  CHECK(first.created);
  const OpenedIncident again = store.OpenIncident(Kafka("prod", At(5))).value();
  CHECK_FALSE(again.created);
  CHECK(again.id == first.id);
  const OpenedIncident other_group = store.OpenIncident(Kafka("staging", At(5))).value();
  CHECK(other_group.created);
  CHECK(other_group.id != first.id);

  REQUIRE(store.SetIncidentState(first.id, IncidentState::kMitigating, At(10)).ok());
  CHECK(store.OpenIncident(Kafka("prod", At(11))).value().id == first.id);  // mitigating is unresolved
  REQUIRE(store.SetIncidentState(first.id, IncidentState::kResolved, At(20)).ok());
  const OpenedIncident next = store.OpenIncident(Kafka("prod", At(30))).value();
  CHECK(next.created);
  CHECK(next.id > other_group.id);

  const IncidentRecord resolved = store.GetIncident(first.id).value()->incident;
  CHECK(resolved.state == IncidentState::kResolved);
  CHECK(resolved.resolved_at == At(20));
  CHECK(resolved.updated_at == At(20));
  CHECK(resolved.opened_at == At(0));
  CHECK(resolved.group_labels == Labels{{"cluster", "prod"}});
}

TEST_CASE("resolved is final", "[store][incidents]") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const IncidentId id = store.OpenIncident(Kafka("prod", At(0))).value().id;
  REQUIRE(store.SetIncidentState(id, IncidentState::kResolved, At(1)).ok());
  CHECK(store.SetIncidentState(id, IncidentState::kResolved, At(2)).ok());  // again: no change
  CHECK(store.GetIncident(id).value()->incident.resolved_at == At(1));

  auto reopen = store.SetIncidentState(id, IncidentState::kOpen, At(3));
  REQUIRE_FALSE(reopen.ok());
  CHECK(reopen.error().code == ErrorCode::kInvalidArgument);
  auto missing = store.SetIncidentState(id + 1, IncidentState::kEscalated, At(3));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

TEST_CASE("the timeline comes back ordered by time, then by insertion", "[store][incidents]") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const IncidentId id = store.OpenIncident(Kafka("prod", At(0))).value().id;
  REQUIRE(store.AppendTimeline(Entry(id, At(5), TimelineKind::kMatch, "b")).ok());
  REQUIRE(store.AppendTimeline(Entry(id, At(1), TimelineKind::kSignal, "a")).ok());  // observed earlier
  REQUIRE(store.AppendTimeline(Entry(id, At(5), TimelineKind::kState, "c")).ok());
  TimelineEntry with_data = Entry(id, At(9), TimelineKind::kNote, "d");
  with_data.source = "alert:725cd57bece34f10";
  with_data.data_json = R"({"status":"firing"})";
  REQUIRE(store.AppendTimeline(with_data).ok());

  const IncidentDetail detail = store.GetIncident(id).value().value();
  std::string order;
  for (const auto& entry : detail.timeline) order += entry.message;
  CHECK(order == "abcd");
  CHECK(detail.timeline[0].kind == TimelineKind::kSignal);
  CHECK(detail.timeline[3].source == "alert:725cd57bece34f10");
  CHECK(detail.timeline[3].data_json == R"({"status":"firing"})");
  CHECK(detail.timeline[2].data_json.empty());

  TimelineEntry bad = Entry(id, At(10), TimelineKind::kNote, "x");
  bad.data_json = "{not json";
  CHECK(store.AppendTimeline(bad).error().code == ErrorCode::kConstraint);
  CHECK(store.AppendTimeline(Entry(id + 1, At(10), TimelineKind::kNote, "x")).error().code ==
        ErrorCode::kConstraint);  // no such incident
  CHECK_FALSE(store.GetIncident(id + 1).value().has_value());
}

TEST_CASE("suppression is recorded and cleared", "[store][incidents]") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const IncidentId id = store.OpenIncident(Kafka("prod", At(0))).value().id;
  REQUIRE(store.SetSuppressedBy(id, "probe:kafka-brokers", At(1)).ok());
  CHECK(store.GetIncident(id).value()->incident.suppressed_by == "probe:kafka-brokers");
  REQUIRE(store.SetSuppressedBy(id, std::nullopt, At(2)).ok());
  CHECK_FALSE(store.GetIncident(id).value()->incident.suppressed_by.has_value());
  CHECK(store.SetSuppressedBy(id + 1, "x", At(3)).error().code == ErrorCode::kNotFound);
}

TEST_CASE("incidents are listed by state, newest first, and rebuilt after a restart", "[store][incidents]") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  std::vector<IncidentId> ids;
  {
    Store store = OpenStore(path);
    for (const char* cluster : {"a", "b", "c", "d"})
      ids.push_back(store.OpenIncident(Kafka(cluster, At(0))).value().id);
    REQUIRE(store.SetIncidentState(ids[1], IncidentState::kResolved, At(1)).ok());
    REQUIRE(store.SetIncidentState(ids[2], IncidentState::kEscalated, At(1)).ok());

    const auto resolved = store.ListIncidents({{IncidentState::kResolved}, 100}).value();
    REQUIRE(resolved.size() == 1);
    CHECK(resolved[0].id == ids[1]);
    const auto all = store.ListIncidents({}).value();
    REQUIRE(all.size() == 4);
    CHECK(all.front().id == ids[3]);
    const auto two_newest_unresolved =
        store.ListIncidents({{IncidentState::kOpen, IncidentState::kMitigating, IncidentState::kEscalated}, 2}).value();
    REQUIRE(two_newest_unresolved.size() == 2);
    CHECK(two_newest_unresolved[0].id == ids[3]);
    CHECK(two_newest_unresolved[1].id == ids[2]);
  }
  Store reopened = OpenStore(path);
  const auto open = reopened.LoadOpenIncidents().value();
  REQUIRE(open.size() == 3);
  CHECK(open[0].id == ids[0]);
  CHECK(open[1].id == ids[2]);
  CHECK(open[1].state == IncidentState::kEscalated);
  CHECK(open[2].id == ids[3]);
  CHECK(reopened.OpenIncident(Kafka("a", At(5))).value().id == ids[0]);  // no duplicate after restart
}
