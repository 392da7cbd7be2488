// Issue "Gated remediation", scenario 1: APIEndpointDown right after a rollout. The rule plans the
// rollout undo, which waits for approval; `runbookctl approve` (as alice) lets it run exactly
// once, verification sees the endpoint recover, the incident resolves, and Slack and PagerDuty
// heard of the opening, the approval request and the resolution under one dedup key. Every
// decision is on the incident's timeline; no configured secret reaches the log or the API output.
#include <signal.h>

#include <algorithm>

#include "tests/integration/scenario_approval_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace fx = runbookd::testing::kube_fixtures;

TEST_CASE("scenario 1: a bad rollout is rolled back once after runbookctl approve, verified and resolved") {
  ApprovalWorld world;
  RunbookdProcess rb(world.dir, world.Config("15m"));
  REQUIRE(rb.WaitReady());
  const TempDir& dir = world.dir;

  // The plan waits for a human: the approval is listed, and nothing was written to the cluster.
  const auto [id, approval] = WaitForPendingRollback(dir, rb);
  INFO(rb.Log());
  std::string timeline = WaitForTimeline(dir, rb, id, "approval " + approval + " requested");
  INFO(timeline);
  CHECK(Has(timeline, "planned rollback-backend: "));
  CHECK(Has(timeline, "from revision 3"));
  CHECK(Has(timeline, "rollback-backend: budget allow"));
  CHECK(Has(timeline, "rollback-backend: freeze allow"));
  CHECK(Has(timeline, "rollback-backend: dependency allow"));
  CHECK(Has(timeline, "rollback-backend: approval pending: approval " + approval + " requested"));
  const auto table = Ctl(dir, rb, "reader", {"approvals"});
  CHECK(Has(table.out, "production/deployment/ecommerce-backend"));
  CHECK(world.DeploymentWrites().empty());
  CHECK(DeploymentRevision(world.kube) == 3);

  // Slack shows the request with Approve / Deny buttons (a Slack app is configured).
  REQUIRE(PollUntil([&] { return world.chat.SlackCount("APPROVAL NEEDED") == 1; }, std::chrono::seconds(30)));
  for (const auto& body : world.chat.SlackBodies()) {
    if (!Has(body, "APPROVAL NEEDED")) continue;
    CHECK(Has(body, "runbookd_approve"));
    CHECK(Has(body, "runbookd_deny"));
    CHECK(Has(body, "\"value\":\"" + approval + "\""));
  }

  auto approved = Ctl(dir, rb, "alice", {"approve", approval, "--comment", "revision 3 broke checkout"});
  INFO(approved.out << approved.err);
  REQUIRE(approved.exit_code == 0);
  CHECK(Has(approved.out, "approved"));

  // Exactly one write to the Deployment: the undo, back to revision 2's template.
  timeline = WaitForTimeline(dir, rb, id, "verification of rollback-backend: fixed", std::chrono::seconds(60));
  const auto writes = world.DeploymentWrites();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].rfind("PATCH ", 0) == 0);
  auto dep = world.kube.Get("Deployment", fx::kNamespace, fx::kDeployment);
  REQUIRE(dep);
  CHECK(Has(json::serialize(dep->at("spec").at("template")), fx::ImageForRevision(fx::kDeployment, 2)));
  CHECK(DeploymentRevision(world.kube) != 3);
  CHECK(Has(timeline, "rollback-backend: approval allow: approval " + approval + " approved by alice"));
  CHECK(Has(timeline, "rollback-backend: revalidate allow"));
  CHECK(Has(timeline, "rollback-backend done (intent "));

  // The incident resolves; the timeline says so after the verification.
  REQUIRE(PollUntil([&] { return IncidentState(dir, rb, id) == "resolved"; }, std::chrono::seconds(60)));
  timeline = IncidentText(dir, rb, id);
  CHECK(InOrder(
      timeline,
      {"rule APIEndpointDown matched", "planned rollback-backend: ",
       "rollback-backend: approval pending: approval " + approval + " requested; no decision by ",
       "rollback-backend: approval allow: approval " + approval + " approved by alice (\"revision 3 broke checkout\")",
       "rollback-backend: revalidate allow", "executing rollback-backend: roll back", "rollback-backend done (intent ",
       "verification of rollback-backend: fixed", "resolved: rule APIEndpointDown"}));
  CHECK(Metric(rb, "runbookd_actions_total{action=\"rollback-backend\",result=\"ok\"}") == "1");
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"approval\",verdict=\"pending\"}") == "1");
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"approval\",verdict=\"allow\"}") == "1");
  CHECK(Ctl(dir, rb, "reader", {"--output", "json", "approvals"}).out.find("rollback-backend") == std::string::npos);

  // Slack: the opening, the request, the action and the resolution. PagerDuty: a trigger for the
  // opening and for the request, then a resolve, all under the incident's one dedup key.
  REQUIRE(PollUntil([&] { return world.chat.SlackCount("RESOLVED") == 1; }, std::chrono::seconds(30)));
  REQUIRE(PollUntil(
      [&] {
        const auto actions = world.chat.PagerDutyActions();
        return !actions.empty() && actions.back() == "resolve";
      },
      std::chrono::seconds(30)));
  CHECK(world.chat.SlackCount("INCIDENT #" + id + " - APIEndpointDown") >= 2);
  CHECK(world.chat.SlackCount("APPROVAL NEEDED") == 1);
  // The opening and the request are delivered concurrently: either may reach PagerDuty first.
  auto kinds = PagerDutyKinds(world.chat);
  std::sort(kinds.begin(), kinds.end());
  CHECK(kinds == std::vector<std::string>{"approval_requested", "opened", "resolve"});
  for (const auto& event : world.chat.PagerDutyEvents()) {
    CHECK(event.at("dedup_key").as_string() == "runbookd-incident-" + id);
  }

  // Nothing runs again: still one write after the incident is over.
  CHECK(world.DeploymentWrites().size() == 1);

  // No secret in the log, the timeline or the approvals' API output.
  const std::string approvals_json = Ctl(dir, rb, "reader", {"--output", "json", "approvals"}).out;
  rb.process().Signal(SIGTERM);
  REQUIRE(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  const std::string log = rb.Log();
  for (const auto& secret : world.Secrets()) {
    INFO(secret);
    CHECK(log.find(secret) == std::string::npos);
    CHECK(timeline.find(secret) == std::string::npos);
    CHECK(approvals_json.find(secret) == std::string::npos);
  }
}
