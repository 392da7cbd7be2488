#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "daemon/engine/flap_damper.hpp"
#include "daemon/engine/probe_schedule.hpp"
#include "tests/support/manual_clock.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
using runbookd::testing::ManualClock;

TEST_CASE("first runs spread across the interval, deterministically", "[scheduler]") {
  const std::chrono::milliseconds interval = 10s;
  int buckets[10] = {};
  for (int i = 0; i < 1000; ++i) {
    const auto offset = ProbeSchedule::PhaseOffset("probe-" + std::to_string(i), interval);
    REQUIRE(offset >= 0ms);
    REQUIRE(offset < interval);
    ++buckets[offset / 1s];
  }
  // 1000 probes over 10 one-second buckets: a uniform spread puts ~100 in each.
  for (int b : buckets) {
    CHECK(b > 60);
    CHECK(b < 140);
  }
  CHECK(ProbeSchedule::PhaseOffset("api", interval) == ProbeSchedule::PhaseOffset("api", interval));
}

TEST_CASE("a probe runs once per interval from its phase", "[scheduler]") {
  ManualClock clock;
  ProbeSchedule schedule;
  const auto start = clock.SteadyNow();
  schedule.Add("api", 10s, start);
  const auto first = schedule.NextDue();
  CHECK(first == start + ProbeSchedule::PhaseOffset("api", 10s));

  CHECK(schedule.TakeDue(first - 1ms).start.empty());
  auto due = schedule.TakeDue(first);
  REQUIRE(due.start.size() == 1);
  schedule.Finished(0);
  CHECK(schedule.NextDue() == first + 10s);
  CHECK(schedule.TakeDue(first + 9999ms).start.empty());
  CHECK(schedule.TakeDue(first + 10s).start.size() == 1);
}

TEST_CASE("a run that would overlap the previous one is skipped and counted", "[scheduler]") {
  ManualClock clock;
  ProbeSchedule schedule;
  schedule.Add("slow", 1s, clock.SteadyNow());
  const auto first = schedule.NextDue();
  REQUIRE(schedule.TakeDue(first).start.size() == 1);  // still running from here on
  auto due = schedule.TakeDue(first + 1s);
  CHECK(due.start.empty());
  CHECK(due.skipped == std::vector<size_t>{0});
  CHECK(schedule.skipped(0) == 1);
  schedule.Finished(0);
  CHECK(schedule.TakeDue(first + 2s).start.size() == 1);
}

TEST_CASE("a stalled loop does not replay missed runs", "[scheduler]") {
  ManualClock clock;
  ProbeSchedule schedule;
  schedule.Add("api", 1s, clock.SteadyNow());
  const auto first = schedule.NextDue();
  auto due = schedule.TakeDue(first + 5500ms);
  CHECK(due.start.size() == 1);
  schedule.Finished(0);
  CHECK(schedule.NextDue() == first + 6s);
}

TEST_CASE("flap damping: unhealthy after fail_after, healthy after recover_after", "[scheduler]") {
  FlapDamper d(3, 2);
  CHECK(d.state() == ProbeStatus::kUnknown);
  CHECK(d.Observe(ProbeStatus::kHealthy) == false);
  CHECK(d.Observe(ProbeStatus::kHealthy) == true);
  CHECK(d.state() == ProbeStatus::kHealthy);
  // A flapping target never reaches three failures in a row.
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(d.Observe(ProbeStatus::kUnhealthy));
    CHECK_FALSE(d.Observe(ProbeStatus::kUnhealthy));
    CHECK_FALSE(d.Observe(ProbeStatus::kHealthy));
  }
  CHECK(d.state() == ProbeStatus::kHealthy);
  CHECK_FALSE(d.Observe(ProbeStatus::kUnhealthy));
  CHECK_FALSE(d.Observe(ProbeStatus::kUnhealthy));
  CHECK(d.Observe(ProbeStatus::kUnhealthy));
  CHECK(d.state() == ProbeStatus::kUnhealthy);
  CHECK_FALSE(d.Observe(ProbeStatus::kHealthy));
  CHECK(d.Observe(ProbeStatus::kHealthy));
  CHECK(d.state() == ProbeStatus::kHealthy);
}

TEST_CASE("flap damping defaults follow every result", "[scheduler]") {
  FlapDamper d;
  CHECK(d.Observe(ProbeStatus::kUnhealthy));
  CHECK(d.Observe(ProbeStatus::kHealthy));
  CHECK(d.Observe(ProbeStatus::kUnknown));
  CHECK(d.state() == ProbeStatus::kUnknown);
}

TEST_CASE("new thresholds keep the settled state and streak", "[scheduler]") {
  FlapDamper d(1, 1);
  d.Observe(ProbeStatus::kUnhealthy);
  auto e = d.WithThresholds(3, 3);
  CHECK(e.state() == ProbeStatus::kUnhealthy);
  CHECK_FALSE(e.Observe(ProbeStatus::kHealthy));
  CHECK_FALSE(e.Observe(ProbeStatus::kHealthy));
  CHECK(e.Observe(ProbeStatus::kHealthy));
}
