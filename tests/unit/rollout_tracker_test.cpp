// RolloutTracker, the watcher's deciding half: what it publishes after answers and failures, and
// how its own observation of a revision change dates a rollout.
#include "daemon/engine/rollout_tracker.hpp"

#include <catch2/catch.hpp>

#include "tests/support/manual_clock.hpp"

using namespace runbookd;
using rules::BeganEvidence;
using rules::DeploymentRef;
using rules::RolloutFacts;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const DeploymentRef kBackend{"prod", "production", "ecommerce-backend"};
constexpr std::chrono::milliseconds kInterval = seconds(30);

ComputedRollout Answer(int64_t revision, WallTime began, BeganEvidence evidence = BeganEvidence::kNewReplicaSet,
                       std::string uid = "uid-1") {
  ComputedRollout c;
  c.deployment_uid = std::move(uid);
  RolloutFacts f;
  f.revision = revision;
  f.began = began;
  f.began_evidence = evidence;
  c.facts = f;
  return c;
}

ComputedRollout Unknown(std::string why) {
  ComputedRollout c;
  c.why = std::move(why);
  return c;
}

const RolloutFacts* Published(const RolloutTracker& tracker) {
  auto it = tracker.facts().find(kBackend);
  return it == tracker.facts().end() ? nullptr : &it->second;
}

}  // namespace

TEST_CASE("the first answer is published; the same answer again changes nothing", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const WallTime began = clock.WallNow() - hours(1);
  CHECK(tracker.OnAnswer(kBackend, Answer(6, began)));
  REQUIRE(Published(tracker));
  CHECK(Published(tracker)->began == began);
  CHECK(Published(tracker)->began_evidence == BeganEvidence::kNewReplicaSet);
  clock.Advance(kInterval);
  CHECK_FALSE(tracker.OnAnswer(kBackend, Answer(6, began)));
}

TEST_CASE("a revision change seen between polls began after the old revision was last seen", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const WallTime long_ago = clock.WallNow() - hours(48);
  tracker.OnAnswer(kBackend, Answer(6, long_ago));
  clock.Advance(kInterval);
  const WallTime last_seen_6 = clock.WallNow();
  tracker.OnAnswer(kBackend, Answer(6, long_ago));
  clock.Advance(kInterval);

  // A rollback: revision 7 reuses a ReplicaSet created two days ago.
  CHECK(tracker.OnAnswer(kBackend, Answer(7, long_ago, BeganEvidence::kReusedReplicaSet)));
  REQUIRE(Published(tracker));
  CHECK(Published(tracker)->revision == 7);
  CHECK(Published(tracker)->began == last_seen_6);
  CHECK(Published(tracker)->began_evidence == BeganEvidence::kObserved);

  // The observation lasts as long as the revision does.
  clock.Advance(kInterval);
  CHECK_FALSE(tracker.OnAnswer(kBackend, Answer(7, long_ago, BeganEvidence::kReusedReplicaSet)));
  CHECK(Published(tracker)->began == last_seen_6);
}

TEST_CASE("better evidence than the observation wins", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  tracker.OnAnswer(kBackend, Answer(6, clock.WallNow() - hours(1)));
  clock.Advance(kInterval);
  // The new ReplicaSet was created after the last poll that showed revision 6.
  const WallTime created = clock.WallNow() - seconds(10);
  tracker.OnAnswer(kBackend, Answer(7, created));
  CHECK(Published(tracker)->began == created);
  CHECK(Published(tracker)->began_evidence == BeganEvidence::kNewReplicaSet);
}

TEST_CASE("a recreated Deployment with the same revision number is a change", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const WallTime long_ago = clock.WallNow() - hours(5);
  tracker.OnAnswer(kBackend, Answer(1, long_ago, BeganEvidence::kNewReplicaSet, "uid-1"));
  const WallTime last_seen = clock.WallNow();
  clock.Advance(kInterval);
  tracker.OnAnswer(kBackend, Answer(1, long_ago, BeganEvidence::kNewReplicaSet, "uid-2"));
  CHECK(Published(tracker)->began == last_seen);
  CHECK(Published(tracker)->began_evidence == BeganEvidence::kObserved);
}

TEST_CASE("the first answer after a start has no observation to offer", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const WallTime long_ago = clock.WallNow() - hours(48);
  tracker.OnAnswer(kBackend, Answer(7, long_ago, BeganEvidence::kReusedReplicaSet));
  CHECK(Published(tracker)->began == long_ago);
  CHECK(Published(tracker)->began_evidence == BeganEvidence::kReusedReplicaSet);
}

TEST_CASE("failed polls keep the facts for three intervals, then drop them", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  CHECK_FALSE(tracker.OnFailure(kBackend));  // nothing known, nothing to drop
  tracker.OnAnswer(kBackend, Answer(6, clock.WallNow()));
  CHECK(tracker.consecutive_failures(kBackend) == 0);
  for (int i = 1; i <= 2; ++i) {
    clock.Advance(kInterval);
    CHECK_FALSE(tracker.OnFailure(kBackend));
    CHECK(Published(tracker));
    CHECK(tracker.consecutive_failures(kBackend) == i);
  }
  clock.Advance(kInterval);
  CHECK(tracker.OnFailure(kBackend));
  CHECK_FALSE(Published(tracker));
  clock.Advance(kInterval);
  CHECK_FALSE(tracker.OnFailure(kBackend));  // already unknown

  clock.Advance(kInterval);
  CHECK(tracker.OnAnswer(kBackend, Answer(6, clock.WallNow() - hours(1))));
  CHECK(Published(tracker));
  CHECK(tracker.consecutive_failures(kBackend) == 0);
}

TEST_CASE("an answer without facts drops them at once; the last seen revision still dates the next",
          "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const WallTime long_ago = clock.WallNow() - hours(48);
  tracker.OnAnswer(kBackend, Answer(6, long_ago));
  const WallTime last_seen_6 = clock.WallNow();
  clock.Advance(kInterval);
  // Mid-rollout, the ReplicaSet list lagged behind the Deployment.
  CHECK(tracker.OnAnswer(kBackend, Unknown("no ReplicaSet of the Deployment has revision 7")));
  CHECK_FALSE(Published(tracker));
  CHECK_FALSE(tracker.OnAnswer(kBackend, Unknown("still")));
  clock.Advance(kInterval);
  CHECK(tracker.OnAnswer(kBackend, Answer(7, long_ago, BeganEvidence::kReusedReplicaSet)));
  CHECK(Published(tracker)->began == last_seen_6);
}

TEST_CASE("targets are tracked independently", "[rollout][tracker]") {
  testing::ManualClock clock;
  RolloutTracker tracker(clock, 3 * kInterval);
  const DeploymentRef other{"prod", "production", "ecommerce-frontend"};
  tracker.OnAnswer(kBackend, Answer(6, clock.WallNow()));
  tracker.OnAnswer(other, Answer(2, clock.WallNow()));
  clock.Advance(minutes(5));
  CHECK(tracker.OnFailure(kBackend));
  CHECK_FALSE(Published(tracker));
  CHECK(tracker.facts().count(other) == 1);
  CHECK(tracker.consecutive_failures(other) == 0);
}
