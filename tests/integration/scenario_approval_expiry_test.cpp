// Issue "Gated remediation", scenario 4: approvals that must not lead to a run.
// (a) Nobody answers the rollout undo's approval: it expires, which is a deny; nothing runs, the
//     incident escalates (timeline and a page), and the approval is no longer listed.
// (b) The Deployment changes while the approval waits: the approval is given, but re-validation
//     finds the plan stale (the observed resourceVersion moved), refuses the run and says why.
#include <signal.h>

#include <algorithm>

#include "tests/integration/scenario_approval_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace fx = runbookd::testing::kube_fixtures;

namespace {

bool Paged(const ChatFakes& chat, const std::string& kind) {
  const auto kinds = PagerDutyKinds(chat);
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

void CheckNoSecrets(const ApprovalWorld& world, const std::string& text) {
  for (const auto& secret : world.Secrets()) {
    INFO(secret);
    CHECK(!Has(text, secret));
  }
}

}  // namespace

TEST_CASE("scenario 4a: an approval nobody answers expires as a deny, nothing runs and the incident escalates") {
  ApprovalWorld world;
  RunbookdProcess rb(world.dir, world.Config("8s"));
  REQUIRE(rb.WaitReady());
  const TempDir& dir = world.dir;

  const auto [id, approval] = WaitForPendingRollback(dir, rb);
  INFO(rb.Log());

  // Nobody votes. The expiry is the decision: a deny, then a page.
  std::string timeline = WaitForTimeline(dir, rb, id, "escalated: ", std::chrono::seconds(60));
  INFO(timeline);
  CHECK(Has(timeline, "rollback-backend: approval pending: approval " + approval + " requested"));
  CHECK(Has(timeline, "rollback-backend: approval deny: approval " + approval + " expired"));
  CHECK(Has(timeline, "escalated: approval " + approval + " expired"));
  CHECK(InOrder(timeline, {"rollback-backend: approval pending", "rollback-backend: approval deny", "escalated: "}));
  CHECK(!Has(timeline, "rollback-backend: revalidate"));
  CHECK(!Has(timeline, "rollback-backend done"));
  CHECK(PendingApprovalOf(dir, rb, "rollback-backend").empty());
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"approval\",verdict=\"deny\"}") == "1");
  const std::string runs = Metric(rb, "runbookd_actions_total{action=\"rollback-backend\",result=\"ok\"}");
  CHECK((runs.empty() || runs == "0"));
  REQUIRE(PollUntil([&] { return IncidentState(dir, rb, id) == "escalated"; }, std::chrono::seconds(30)));
  REQUIRE(PollUntil([&] { return Paged(world.chat, "escalated"); }, std::chrono::seconds(30)));
  REQUIRE(PollUntil([&] { return world.chat.SlackCount("ESCALATED") == 1; }, std::chrono::seconds(30)));
  for (const auto& event : world.chat.PagerDutyEvents()) {
    CHECK(event.at("dedup_key").as_string() == "runbookd-incident-" + id);
  }

  // A vote after the expiry is refused; nothing was ever written to the Deployment.
  auto late = Ctl(dir, rb, "alice", {"approve", approval});
  CHECK(late.exit_code == 1);
  CHECK(Has(late.err, "HTTP 409 expired"));
  CHECK(world.DeploymentWrites().empty());
  CHECK(DeploymentRevision(world.kube) == 3);

  rb.process().Signal(SIGTERM);
  REQUIRE(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  CheckNoSecrets(world, rb.Log());
  CheckNoSecrets(world, timeline);
}

TEST_CASE("scenario 4b: approving a plan whose Deployment changed meanwhile is refused as stale") {
  ApprovalWorld world;
  RunbookdProcess rb(world.dir, world.Config("15m"));
  REQUIRE(rb.WaitReady());
  const TempDir& dir = world.dir;

  const auto [id, approval] = WaitForPendingRollback(dir, rb);
  INFO(rb.Log());

  // Someone annotates the Deployment by hand: same revision, a new resourceVersion.
  auto dep = world.kube.Get("Deployment", fx::kNamespace, fx::kDeployment);
  REQUIRE(dep);
  const std::string version_at_plan(dep->at("metadata").at("resourceVersion").as_string());
  auto& meta = dep->at("metadata").as_object();
  meta["annotations"].as_object()["kubernetes.io/change-cause"] = "hotfix by hand";
  meta.erase("resourceVersion");
  const auto changed = world.kube.Put(*dep);
  REQUIRE(changed.at("metadata").at("resourceVersion").as_string() != version_at_plan);
  REQUIRE(DeploymentRevision(world.kube) == 3);

  auto approved = Ctl(dir, rb, "alice", {"approve", approval});
  INFO(approved.out << approved.err);
  CHECK(approved.exit_code == 0);

  std::string timeline = WaitForTimeline(dir, rb, id, "escalated: ", std::chrono::seconds(60));
  INFO(timeline);
  CHECK(Has(timeline, "rollback-backend: approval allow: approval " + approval + " approved by alice"));
  CHECK(Has(timeline,
            "rollback-backend: revalidate deny: the target changed since the plan (Deployment "
            "production/ecommerce-backend (resourceVersion "));
  CHECK(Has(timeline, "escalated: the target changed since the plan"));
  CHECK(!Has(timeline, "rollback-backend done"));
  REQUIRE(PollUntil([&] { return IncidentState(dir, rb, id) == "escalated"; }, std::chrono::seconds(30)));
  REQUIRE(PollUntil([&] { return Paged(world.chat, "escalated"); }, std::chrono::seconds(30)));

  // No write reached the Deployment: it is still the hand-annotated revision 3.
  CHECK(world.DeploymentWrites().empty());
  auto now = world.kube.Get("Deployment", fx::kNamespace, fx::kDeployment);
  REQUIRE(now);
  CHECK(now->at("metadata").at("resourceVersion") == changed.at("metadata").at("resourceVersion"));
  CHECK(PendingApprovalOf(dir, rb, "rollback-backend").empty());

  rb.process().Signal(SIGTERM);
  REQUIRE(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  CheckNoSecrets(world, rb.Log());
  CheckNoSecrets(world, timeline);
}
