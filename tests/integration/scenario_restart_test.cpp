// Scenario 5 of the gated-remediation issue: runbookd is SIGKILLed while the rule-driven rollback's
// PATCH is in flight. Restarted on the same store, it marks the intent `interrupted`, re-validates
// the Deployment (the timeline and the page say what it found) and never runs the rollback again:
// the fake cluster saw exactly one write. Two halves: the API server had received the whole PATCH
// and applied it (what a real server does), or the PATCH never got through.
#include <signal.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>

#include "daemon/store/store.hpp"
#include "tests/integration/gated_scenarios_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace fx = runbookd::testing::kube_fixtures;

namespace {

const std::string kDeploymentPath =
    "/apis/apps/v1/namespaces/" + std::string(fx::kNamespace) + "/deployments/" + std::string(fx::kDeployment);

std::string Config(const BadRolloutWorld& world) {
  return std::string(kApprovalsConfig) + KubernetesConnectionYaml(world.kube.WriteKubeconfig(world.dir.path())) +
         BadRolloutYaml(world.shop.Url(), {.rule = RecentRolloutRuleYaml("    resolve_after: 2s\n")}) +
         "gates:\n  verify: { bake_time: 2s }\n" + world.chat.NotifiersYaml();
}

// Requests that change the Deployment (anything but a read), held ones included.
std::vector<KubeRequestRecord> DeploymentWrites(const FakeKube& kube) {
  std::vector<KubeRequestRecord> out;
  for (const auto& r : kube.ApiRequests()) {
    if (r.method != "GET" && r.path.starts_with(kDeploymentPath)) out.push_back(r);
  }
  return out;
}

std::vector<store::ActionIntentRecord> Intents(const TempDir& dir) {
  auto store = store::Store::Open(dir.path() + "/runbookd.db");
  REQUIRE(store.ok());
  auto intents = store->ListActionIntents(10);
  REQUIRE(intents.ok());
  return *intents;
}

// Runs the scenario up to the restart's re-validation; `what` decides the held PATCH's fate.
// Returns the timeline text after the restart with the second daemon still running in `rb`.
struct Restarted {
  std::string incident;
  std::string timeline;
};

Restarted KillMidRollbackAndRestart(FakeKube& kube, ChatFakes& chat, const TempDir& dir, const std::string& config,
                                    std::unique_ptr<RunbookdProcess>& rb, HeldRequest what) {
  kube.HoldNext("PATCH", kDeploymentPath, what);
  rb = std::make_unique<RunbookdProcess>(dir, config);
  REQUIRE(rb->WaitReady());
  Restarted out;
  out.incident = WaitForIncident(dir, *rb, "APIEndpointDown");
  INFO(rb->Log());
  REQUIRE(!out.incident.empty());

  // The rollback is executing: its PATCH reached the fake, which holds the answer back.
  REQUIRE(PollUntil([&] { return DeploymentWrites(kube).size() == 1; }, std::chrono::seconds(30)));
  rb->process().Signal(SIGKILL);
  REQUIRE(rb->process().Wait(std::chrono::seconds(10)).has_value());
  const std::string first_log = rb->Log();
  rb.reset();
  CHECK(first_log.find("action rollback-backend (intent") != std::string::npos);
  for (const std::string& secret : {kSlackWebhookPath, kRoutingKey, kSlackSigningSecret, kube.token()}) {
    CHECK(first_log.find(secret) == std::string::npos);
  }

  // The crash left the intent committed before the run and no outcome.
  const auto crashed = Intents(dir);
  REQUIRE(crashed.size() == 1);
  CHECK(crashed[0].action == "rollback-backend");
  CHECK(crashed[0].state == store::ActionIntentState::kRunning);
  CHECK(crashed[0].outcomes.empty());

  const size_t slack_before = chat.slack.All().size();
  rb = std::make_unique<RunbookdProcess>(dir, config);
  REQUIRE(rb->WaitReady());
  out.timeline = WaitForTimeline(dir, *rb, out.incident, "re-validated", std::chrono::seconds(30));
  INFO(out.timeline << rb->Log());
  CHECK(out.timeline.find("planned rollback-backend: roll back production/ecommerce-backend from revision 3") !=
        std::string::npos);
  CHECK(out.timeline.find("rollback-backend: revalidate allow") != std::string::npos);
  CHECK(out.timeline.find("executing rollback-backend: roll back") != std::string::npos);
  CHECK(out.timeline.find("action rollback-backend (intent " + std::to_string(crashed[0].id) +
                          ") on production/deployment/ecommerce-backend was interrupted by a restart") !=
        std::string::npos);
  CHECK(out.timeline.find("it is not run again") != std::string::npos);
  // The page says it too, once, naming what re-validation found.
  CHECK(PollUntil([&] { return chat.SlackCount("interrupted by a restart") >= 1; }, std::chrono::seconds(30)));
  CHECK(chat.slack.All().size() > slack_before);
  return out;
}

// After the restart settled: one write ever, one intent, `interrupted`, and no secret anywhere.
void CheckNeverRanTwice(FakeKube& kube, const TempDir& dir, const Restarted& restarted,
                        std::unique_ptr<RunbookdProcess>& rb) {
  const auto writes = DeploymentWrites(kube);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].method == "PATCH");
  CHECK(writes[0].held);
  CHECK(restarted.timeline.find("rollback-backend done") == std::string::npos);
  for (const std::string& secret : {kSlackWebhookPath, kRoutingKey, kSlackSigningSecret, kube.token()}) {
    CHECK(rb->Log().find(secret) == std::string::npos);
    CHECK(IncidentText(dir, *rb, restarted.incident).find(secret) == std::string::npos);
  }
  rb->process().Signal(SIGTERM);
  REQUIRE(rb->process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  rb.reset();
  const auto intents = Intents(dir);
  REQUIRE(intents.size() == 1);
  CHECK(intents[0].state == store::ActionIntentState::kInterrupted);
  CHECK(std::to_string(intents[0].incident_id.value_or(0)) == restarted.incident);
}

// One half of the scenario: the held PATCH's fate is `held`. After the restart the Deployment runs
// `revision`, and the timeline and Slack say what re-validation `found` and its `verdict` on the
// rollback; `check_settled` then checks how the incident ended.
void RunKilledRollback(
    HeldRequest held, int revision, const std::string& found, const std::string& verdict,
    const std::function<void(const BadRolloutWorld&, const RunbookdProcess&, const Restarted&)>& check_settled) {
  BadRolloutWorld world;
  const std::string config = Config(world);
  std::unique_ptr<RunbookdProcess> rb;

  const auto restarted = KillMidRollbackAndRestart(world.kube, world.chat, world.dir, config, rb, held);
  CHECK(DeploymentRevision(world.kube) == revision);
  CHECK(restarted.timeline.find(found) != std::string::npos);
  CHECK(restarted.timeline.find(verdict) != std::string::npos);
  CHECK(world.chat.SlackCount(verdict) >= 1);
  check_settled(world, *rb, restarted);
  CheckNeverRanTwice(world.kube, world.dir, restarted, rb);
}

}  // namespace

TEST_CASE("scenario 5 SIGKILL during a rollback the API server applied then restart re-validates and never reruns") {
  // The PATCH was applied before the kill: revision 4 runs revision 2's template.
  RunKilledRollback(HeldRequest::kApplied, 4, "changed since the plan", "most likely took effect",
                    [](const BadRolloutWorld& world, const RunbookdProcess& rb, const Restarted& restarted) {
                      // The shop is healthy again, so the incident resolves by itself; nothing ran on the way.
                      const std::string resolved = WaitForTimeline(world.dir, rb, restarted.incident, "state=resolved");
                      CHECK(resolved.find("state=resolved") != std::string::npos);
                    });
}

TEST_CASE(
    "scenario 5 SIGKILL during a rollback whose PATCH never got through then restart re-validates and never reruns") {
  // Nothing changed: the Deployment is still on the bad revision, and runbookd says so instead of
  // running the rollback blindly again; a human decides.
  RunKilledRollback(HeldRequest::kNotApplied, 3, "unchanged since the plan", "did not take effect",
                    [](const BadRolloutWorld&, const RunbookdProcess&, const Restarted& restarted) {
                      CHECK(restarted.timeline.find("state=escalated") != std::string::npos);
                    });
}
