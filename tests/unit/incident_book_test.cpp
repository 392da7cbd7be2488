#include "daemon/engine/incident_book.hpp"

#include <catch2/catch.hpp>

#include "tests/support/manual_clock.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
using Kind = IncidentEvent::Kind;

namespace {

rules::Rule MakeRule(std::string name, std::chrono::milliseconds resolve_after = 5min) {
  rules::Rule r;
  r.name = std::move(name);
  r.severity = rules::Severity::kCritical;
  r.resolve_after = resolve_after;
  return r;
}

rules::RuleState Firing(std::string rule, rules::StateChange change = rules::StateChange::kNone,
                        std::vector<std::string> evidence = {"probe api is unhealthy (connection_refused)"}) {
  rules::RuleState s;
  s.rule = std::move(rule);
  s.active_now = true;
  s.firing = true;
  s.change = change;
  for (auto& text : evidence) s.evidence.push_back({rules::Evidence::Kind::kProbe, "api", std::move(text)});
  return s;
}

rules::RuleState Inactive(std::string rule, WallTime since, rules::StateChange change) {
  rules::RuleState s;
  s.rule = std::move(rule);
  s.inactive_since = since;
  s.change = change;
  return s;
}

std::vector<Kind> Kinds(const std::vector<IncidentEvent>& events) {
  std::vector<Kind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

}  // namespace

TEST_CASE("a firing rule opens one incident; new evidence is a signal; resolution closes it", "[incidents]") {
  testing::ManualClock clock;
  IncidentBook book;
  const std::vector<rules::Rule> rules{MakeRule("APIEndpointDown")};
  auto events = book.Apply({Firing("APIEndpointDown", rules::StateChange::kFired)}, rules, clock.WallNow());
  REQUIRE(Kinds(events) == std::vector{Kind::kOpened, Kind::kSignal});
  CHECK(events[0].message == "rule APIEndpointDown matched: probe api is unhealthy (connection_refused)");
  CHECK(events[1].source == "probe:api");
  CHECK(book.open().size() == 1);

  // The same evidence again is not news; an alert joining is.
  CHECK(book.Apply({Firing("APIEndpointDown")}, rules, clock.WallNow()).empty());
  auto more = Firing("APIEndpointDown");
  more.evidence.push_back({rules::Evidence::Kind::kAlert, "725cd57bece34f10", "alert APIEndpointDown fp=725cd57b"});
  events = book.Apply({more}, rules, clock.WallNow());
  REQUIRE(Kinds(events) == std::vector{Kind::kSignal});
  CHECK(events[0].source == "alert:725cd57bece34f10");

  clock.Advance(1min);
  const WallTime stopped = clock.WallNow();
  events = book.Apply({Inactive("APIEndpointDown", stopped, rules::StateChange::kDeactivated)}, rules, stopped);
  CHECK(Kinds(events) == std::vector{Kind::kStoppedMatching});
  clock.Advance(5min);
  events = book.Apply({Inactive("APIEndpointDown", stopped, rules::StateChange::kResolved)}, rules, clock.WallNow());
  CHECK(Kinds(events) == std::vector{Kind::kResolved});
  CHECK(book.open().empty());
}

TEST_CASE("a pending rule (active, not yet firing) opens nothing", "[incidents]") {
  testing::ManualClock clock;
  IncidentBook book;
  auto pending = Firing("APIEndpointDown", rules::StateChange::kActivated);
  pending.firing = false;
  CHECK(book.Apply({pending}, {MakeRule("APIEndpointDown")}, clock.WallNow()).empty());
  CHECK(book.open().empty());
}

TEST_CASE("suppression by a dependency is recorded once and lifted once", "[incidents]") {
  testing::ManualClock clock;
  IncidentBook book;
  const std::vector<rules::Rule> rules{MakeRule("APIEndpointDown")};
  auto state = Firing("APIEndpointDown", rules::StateChange::kFired);
  state.suppressed_by = rules::Suppression{rules::DependencyKind::kProbe, "postgres", "probe postgres is unhealthy"};
  auto events = book.Apply({state}, rules, clock.WallNow());
  CHECK(Kinds(events) == std::vector{Kind::kOpened, Kind::kSignal, Kind::kSuppressed});
  CHECK(book.open().begin()->second.suppressed_by == "postgres");
  state.change = rules::StateChange::kNone;
  CHECK(book.Apply({state}, rules, clock.WallNow()).empty());
  state.suppressed_by.reset();
  CHECK(Kinds(book.Apply({state}, rules, clock.WallNow())) == std::vector{Kind::kUnsuppressed});
}

TEST_CASE("incidents restored after a restart resolve unless their rule matches again", "[incidents]") {
  testing::ManualClock clock;
  const std::vector<rules::Rule> rules{MakeRule("APIEndpointDown", 2min), MakeRule("DatabaseDown", 2min)};
  IncidentBook book;
  book.Restore(OpenIncident{IncidentKey{"APIEndpointDown", ""}}, clock.WallNow());
  book.Restore(OpenIncident{IncidentKey{"DatabaseDown", ""}}, clock.WallNow());
  // The API rule fires again right after the restart: same incident, no second one.
  auto events = book.Apply({Firing("APIEndpointDown", rules::StateChange::kFired)}, rules, clock.WallNow());
  CHECK(Kinds(events) == std::vector{Kind::kMatchingAgain, Kind::kSignal});
  CHECK(book.open().size() == 2);
  clock.Advance(2min);
  events = book.Apply({Firing("APIEndpointDown")}, rules, clock.WallNow());
  REQUIRE(Kinds(events) == std::vector{Kind::kResolved});
  CHECK(events[0].key.rule == "DatabaseDown");
  CHECK(book.open().count(IncidentKey{"APIEndpointDown", ""}) == 1);
}

TEST_CASE("an incident of a rule removed by a reload is resolved", "[incidents]") {
  testing::ManualClock clock;
  IncidentBook book;
  book.Apply({Firing("Old", rules::StateChange::kFired)}, {MakeRule("Old")}, clock.WallNow());
  auto events = book.Apply({}, {MakeRule("New")}, clock.WallNow());
  REQUIRE(Kinds(events) == std::vector{Kind::kResolved});
  CHECK(events[0].message == "resolved: rule Old is no longer configured");
}
