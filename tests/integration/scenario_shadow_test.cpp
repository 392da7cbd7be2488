// Scenario 8 of the gated-remediation issue: shadow mode records what would have run and changes
// nothing on the fake cluster. A fresh bad rollout opens an incident whose rule's `then:` rolls
// it back; with `gates: { dry_run: true }` (shadow mode for every action), and separately with
// `dry_run: true` on the action alone, every stage runs and is on the timeline, the would-act is
// counted in runbookd_would_act_total, the cluster only ever sees reads and keeps revision 3.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/integration/gated_scenarios_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;

namespace {

const char* kWouldAct = "runbookd_would_act_total{action=\"rollback-backend\"}";

// `action_extra` goes into the action's entry, `gates` is the whole `gates:` block.
std::string Config(const BadRolloutWorld& world, const std::string& action_extra, const std::string& gates) {
  return std::string(kApprovalsConfig) + KubernetesConnectionYaml(world.kube.WriteKubeconfig(world.dir.path())) +
         BadRolloutYaml(world.shop.Url(), {.action_extra = action_extra, .rule = RecentRolloutRuleYaml("")}) + gates +
         world.chat.NotifiersYaml();
}

// Runs the rule-driven rollback in shadow mode and checks everything the scenario promises.
void RunShadowScenario(const std::string& action_extra, const std::string& gates) {
  BadRolloutWorld world;
  const FakeKube& kube = world.kube;
  const TempDir& dir = world.dir;
  const auto before = kube.Snapshot();
  RunbookdProcess rb(dir, Config(world, action_extra, gates));
  REQUIRE(rb.WaitReady());
  const std::string id = WaitForIncident(dir, rb, "APIEndpointDown");
  INFO(rb.Log());
  REQUIRE(!id.empty());

  const std::string timeline = WaitForTimeline(dir, rb, id, "would have run rollback-backend");
  INFO(timeline);
  // Every stage but execution, in the words the on-call engineer reads.
  CHECK(timeline.find("planned rollback-backend: roll back production/ecommerce-backend from revision 3") !=
        std::string::npos);
  for (const char* stage : {"dedup allow", "silence allow", "budget allow", "freeze allow", "dependency allow",
                            "approval allow", "revalidate allow"}) {
    CHECK(timeline.find(std::string("rollback-backend: ") + stage) != std::string::npos);
  }
  CHECK(timeline.find("dry run: would have run rollback-backend: roll back production/ecommerce-backend from "
                      "revision 3") != std::string::npos);
  CHECK(timeline.find("rollback-backend done") == std::string::npos);
  CHECK(timeline.find("verification of rollback-backend") == std::string::npos);

  std::string counted;
  CHECK(PollUntil(
      [&] {
        counted = Metric(rb, kWouldAct);
        return counted == "1";
      },
      std::chrono::seconds(30)));
  CHECK(counted == "1");
  CHECK(Metric(rb, "runbookd_actions_total{action=\"rollback-backend\",result=\"ok\"}").empty());

  // The cluster was only read: the Deployment is still on revision 3, every object unchanged.
  const auto requests = kube.ApiRequests();
  CHECK(!requests.empty());
  for (const auto& r : requests) {
    INFO(r.method << " " << r.target);
    CHECK(r.method == "GET");
  }
  CHECK(DeploymentRevision(kube) == 3);
  CHECK(kube.Snapshot() == before);

  for (const std::string& secret : {kSlackWebhookPath, kRoutingKey, kSlackSigningSecret, kube.token()}) {
    CHECK(rb.Log().find(secret) == std::string::npos);
    CHECK(IncidentText(dir, rb, id).find(secret) == std::string::npos);
  }
  rb.process().Signal(SIGTERM);
  CHECK(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
}

}  // namespace

TEST_CASE("scenario 8 shadow mode for every action records would-act and changes nothing on the cluster") {
  RunShadowScenario("", "gates:\n  dry_run: true\n");
}

TEST_CASE("scenario 8 dry run on the action alone records would-act and changes nothing on the cluster") {
  RunShadowScenario("    dry_run: true\n", "");
}
