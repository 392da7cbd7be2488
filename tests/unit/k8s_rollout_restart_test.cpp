// k8s_rollout_restart: kubectl's paused refusal and strategic merge patch (protocol-facts §1.3).
#include <catch2/catch.hpp>

#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"
#include "remediations/k8s_rollout_restart/rollout_restart_plan.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/unit/k8s_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::k8stest;
using namespace runbookd::remediations::k8s_rollout_restart;
using runbookd::remediations::k8s_common::DeploymentRef;

namespace {

const DeploymentRef kRef{"production", "ecommerce-backend"};
const std::string kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
const std::string kSpec = "namespace: production\ndeployment: ecommerce-backend\n";

}  // namespace

TEST_CASE("restart: the plan names the patch without its timestamp", "[k8s_rollout_restart]") {
  const ActionPlan plan = PlanRestart(kRef, Deployment());
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "k8s_rollout_restart");
  CHECK(plan.target == "production/deployment/ecommerce-backend");
  CHECK(plan.summary ==
        "restart production/ecommerce-backend (a rolling restart of 3 pods; kubectl.kubernetes.io/restartedAt is set "
        "to the time of execution)");
  CHECK(plan.steps ==
        std::vector<std::string>{
            "GET " + kDeploymentPath + " (unchanged since the plan?)",
            "PATCH " + kDeploymentPath + "?fieldManager=kubectl-rollout (application/strategic-merge-patch+json)"});
  CHECK(
      plan.details.at("patch_shape") ==
      R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"<RFC 3339 UTC time at execution>"}}}}})");
  CHECK(plan.observed.size() == 1);
  // Made again later, the plan is the same (the hash an approval binds to does not move).
  CHECK(PlanRestart(kRef, Deployment()).Hash() == plan.Hash());
}

TEST_CASE("restart: a paused Deployment is refused", "[k8s_rollout_restart]") {
  json::value paused = Deployment();
  Set(paused, {"spec", "paused"}, true);
  const ActionPlan plan = PlanRestart(kRef, paused);
  CHECK(plan.verdict == OutcomeReason::kRefused);
  CHECK(plan.summary == "can't restart paused deployment (run rollout resume first)");
}

TEST_CASE("restart: patch, path and time format", "[k8s_rollout_restart]") {
  CHECK(
      RestartPatch("2026-11-23T03:04:05Z") ==
      R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-23T03:04:05Z"}}}}})");
  CHECK(RestartPath(kRef) == kDeploymentPath + "?fieldManager=kubectl-rollout");
  // Go's RFC3339: UTC, seconds truncated.
  CHECK(FormatRfc3339Utc(WallTime(std::chrono::seconds(1'800'000'000))) == "2027-01-15T08:00:00Z");
  CHECK(FormatRfc3339Utc(WallTime(std::chrono::milliseconds(1'800'000'000'999))) == "2027-01-15T08:00:00Z");
  json::value restarted = Deployment();
  Set(restarted, {"spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"},
      "2027-01-15T08:00:00Z");
  CHECK(AlreadyRestartedAt(restarted, "2027-01-15T08:00:00Z"));
  CHECK_FALSE(AlreadyRestartedAt(restarted, "2027-01-15T08:00:01Z"));
  CHECK_FALSE(AlreadyRestartedAt(Deployment(), "2027-01-15T08:00:00Z"));
}

TEST_CASE("restart action: Execute re-reads the Deployment and patches with the time of execution",
          "[k8s_rollout_restart]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Deployment()));
  kube->On("PATCH", kDeploymentPath + "?fieldManager=kubectl-rollout", Ok(Deployment()));
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  CHECK(action->risk() == ActionRisk::kReversible);
  const ActionPlan plan = RunPlan(*action);
  REQUIRE(plan.runnable());

  clock.Advance(std::chrono::seconds(65));  // time passes between plan and run
  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan);
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(outcome.detail == "deployment.apps/ecommerce-backend restarted");
  CHECK(outcome.data == json::object{{"restarted_at", "2027-01-15T08:01:05Z"}});
  REQUIRE(kube->requests.size() == 2);
  CHECK(kube->requests[0].method == "GET");
  const Request& patch = kube->requests[1];
  CHECK(patch.method == "PATCH");
  CHECK(patch.path == kDeploymentPath + "?fieldManager=kubectl-rollout");
  CHECK(patch.patch_type == k8s::PatchType::kStrategicMerge);
  CHECK(patch.body == RestartPatch("2027-01-15T08:01:05Z"));
}

TEST_CASE("restart action: nothing to do when the template already has this second's restartedAt",
          "[k8s_rollout_restart]") {
  testing::ManualClock clock;
  json::value restarted = Deployment();
  Set(restarted, {"spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"},
      "2027-01-15T08:00:00Z");
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(restarted));
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);
  const Outcome outcome = RunExecute(*action, plan);
  CHECK(outcome.reason == OutcomeReason::kNoop);
  CHECK(kube->Writes().empty());
}

TEST_CASE("restart action: conflict, params and config", "[k8s_rollout_restart]") {
  using Catch::Contains;
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Deployment()));
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);

  json::value recreated = Deployment();
  Set(recreated, {"metadata", "uid"}, "new-uid");
  auto later = std::make_shared<FakeKube>();
  later->On("GET", kDeploymentPath, Ok(recreated));
  const Outcome outcome = RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(later, &clock)), plan);
  CHECK(outcome.reason == OutcomeReason::kConflict);
  CHECK_THAT(outcome.detail, Contains("was replaced since the plan"));
  CHECK(later->Writes().empty());

  const ActionPlan with_param = RunPlan(*action, {{"replicas", "3"}});
  CHECK(with_param.verdict == OutcomeReason::kInvalidParams);
  CHECK(with_param.summary == "unknown param \"replicas\" (k8s_rollout_restart accepts no params)");

  CHECK_THAT(ConfigErrors(MakeActionFactory(), kSpec, ActionDeps{}),
             Contains("action type k8s_rollout_restart needs a connection of type kubernetes (set connection: NAME)"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), kSpec + "replicas: 3\n", DepsWith(kube)),
             Contains("unknown key \"replicas\""));
}
