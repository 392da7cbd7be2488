// The mass-failure freeze and the dependency gate.
#include <catch2/catch.hpp>
#include <chrono>

#include "daemon/gates/dependency_gate.hpp"
#include "daemon/gates/freeze_gate.hpp"

using namespace runbookd;
using namespace runbookd::gates;

namespace {

WallTime At(int64_t s) { return WallTime(std::chrono::seconds(1'800'000'000 + s)); }

ProbeStatusCounts Counts(int64_t healthy, int64_t unhealthy, int64_t unknown) {
  ProbeStatusCounts c;
  c.healthy = healthy;
  c.unhealthy = unhealthy;
  c.unknown = unknown;
  return c;
}

GateRequest Request(WallTime now) {
  GateRequest r;
  r.action = "restart-api";
  r.rule = "APIEndpointDown";
  r.now = now;
  return r;
}

}  // namespace

TEST_CASE("freeze: starts and ends once, on the edges") {
  FreezeGate gate(FreezeSettings{});
  CHECK(gate.Evaluate(Counts(8, 2, 0), At(0)) == FreezeEdge::kNone);
  CHECK(gate.Check(Request(At(0))).verdict == GateVerdict::kAllow);

  CHECK(gate.Evaluate(Counts(3, 5, 0), At(60)) == FreezeEdge::kStarted);
  CHECK(gate.Evaluate(Counts(2, 6, 0), At(70)) == FreezeEdge::kNone);  // still frozen: no second page
  CHECK(gate.frozen_since() == At(60));
  const GateDecision d = gate.Check(Request(At(80)));
  CHECK(d.gate == "freeze");
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK(d.escalate);
  CHECK(d.reason ==
        "mass-failure freeze since 08:01:00Z: 6 of 8 probes unhealthy or unknown (more than 50%); suspect the "
        "observer before the targets");

  CHECK(gate.Evaluate(Counts(7, 1, 0), At(120)) == FreezeEdge::kEnded);
  CHECK(gate.Evaluate(Counts(7, 1, 0), At(130)) == FreezeEdge::kNone);
  CHECK_FALSE(gate.frozen());
  CHECK(gate.Check(Request(At(130))).verdict == GateVerdict::kAllow);
}

TEST_CASE("freeze: exactly the ratio does not freeze; more than it does") {
  FreezeGate gate(FreezeSettings{});
  CHECK(gate.Evaluate(Counts(4, 4, 0), At(0)) == FreezeEdge::kNone);
  CHECK(gate.Evaluate(Counts(3, 5, 0), At(1)) == FreezeEdge::kStarted);
}

TEST_CASE("freeze: too few probes never freeze") {
  FreezeGate gate(FreezeSettings{0.5, 4});
  CHECK(gate.Evaluate(Counts(0, 3, 0), At(0)) == FreezeEdge::kNone);  // three of three, but only three
  CHECK(gate.Evaluate(Counts(0, 0, 0), At(1)) == FreezeEdge::kNone);
  CHECK(gate.Evaluate(Counts(0, 4, 0), At(2)) == FreezeEdge::kStarted);
  CHECK(gate.Evaluate(Counts(0, 2, 0), At(3)) == FreezeEdge::kEnded);  // probes removed by a reload
}

TEST_CASE("freeze: unknown counts as unhealthy (suspect the observer)") {
  FreezeGate gate(FreezeSettings{});
  CHECK(gate.Evaluate(Counts(4, 0, 6), At(0)) == FreezeEdge::kStarted);
  CHECK(gate.Check(Request(At(0))).reason.find("6 of 10 probes unhealthy or unknown") != std::string::npos);
  CHECK(gate.Evaluate(Counts(4, 3, 3), At(1)) == FreezeEdge::kNone);
  CHECK(gate.Evaluate(Counts(6, 2, 2), At(2)) == FreezeEdge::kEnded);
}

TEST_CASE("freeze: a ratio of 1 never freezes") {
  FreezeGate gate(FreezeSettings{1.0, 4});
  CHECK(gate.Evaluate(Counts(0, 10, 10), At(0)) == FreezeEdge::kNone);
}

TEST_CASE("dependency: a suppressed incident's actions wait and the reason names the dependency") {
  const GateRequest request = Request(At(0));
  const GateDecision allowed = CheckDependency(request, std::nullopt);
  CHECK(allowed.gate == "dependency");
  CHECK(allowed.verdict == GateVerdict::kAllow);

  const GateDecision d = CheckDependency(request, std::string("DatabaseDown"));
  CHECK(d.gate == "dependency");
  CHECK(d.verdict == GateVerdict::kDeny);
  CHECK_FALSE(d.escalate);  // the dependency's own incident pages
  CHECK(d.reason ==
        "suppressed by dependency DatabaseDown: rule APIEndpointDown waits while DatabaseDown acts or pages");
}
