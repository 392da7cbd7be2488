// k8s_rollout_status: kubectl's decision on each Deployment state, with its messages
// (protocol-facts §1.6, kubectl rollout_status.go), and the polling action.
#include <catch2/catch.hpp>

#include "remediations/k8s_rollout_status/k8s_rollout_status_action.hpp"
#include "remediations/k8s_rollout_status/rollout_status.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/unit/k8s_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::k8stest;
using namespace runbookd::remediations::k8s_rollout_status;
using Catch::Contains;

namespace {

// The fixture Deployment with generation/observedGeneration and status counts set.
json::value Rollout(int64_t generation, int64_t observed, int64_t replicas, int64_t updated, int64_t total,
                    int64_t available) {
  json::value d = Deployment();
  Set(d, {"metadata", "generation"}, generation);
  Set(d, {"status", "observedGeneration"}, observed);
  Set(d, {"spec", "replicas"}, replicas);
  Set(d, {"status", "updatedReplicas"}, updated);
  Set(d, {"status", "replicas"}, total);
  Set(d, {"status", "availableReplicas"}, available);
  return d;
}

json::value DeadlineExceeded() {
  json::value d = Rollout(13, 13, 3, 1, 4, 3);
  d.at("status").at("conditions").at(1) =
      Json(R"({"lastTransitionTime": "2026-11-22T08:10:00Z", "lastUpdateTime": "2026-11-22T08:10:00Z",
               "message": "ReplicaSet \"ecommerce-backend-5d8c7b9f4\" has timed out progressing.",
               "reason": "ProgressDeadlineExceeded", "status": "False", "type": "Progressing"})");
  return d;
}

}  // namespace

TEST_CASE("rollout status: kubectl's decision for each Deployment state", "[k8s_rollout_status]") {
  struct Row {
    const char* what;
    json::value deployment;
    int64_t revision;
    bool done;
    bool error;
    std::string message;
  };
  json::value unparsable = Deployment();
  Set(unparsable, {"metadata", "annotations", "deployment.kubernetes.io/revision"}, "seven");
  json::value no_replicas = Rollout(12, 12, 3, 0, 0, 0);
  Erase(no_replicas, {"spec", "replicas"});
  json::value deadline_but_behind = DeadlineExceeded();
  Set(deadline_but_behind, {"metadata", "generation"}, 14);

  const std::vector<Row> rows = {
      {"revision mismatch", Deployment(7), 8, false, true,
       "desired revision (8) is different from the running revision (7)"},
      {"revision unparsable", unparsable, 8, false, true,
       "cannot get the revision of deployment \"ecommerce-backend\": strconv.ParseInt: parsing \"seven\": invalid "
       "syntax"},
      {"revision matches", Deployment(7), 7, true, false, "deployment \"ecommerce-backend\" successfully rolled out"},
      {"observedGeneration behind", Rollout(13, 12, 3, 3, 3, 3), 0, false, false,
       "Waiting for deployment spec update to be observed..."},
      {"behind wins over a progress deadline", deadline_but_behind, 0, false, false,
       "Waiting for deployment spec update to be observed..."},
      {"progress deadline exceeded", DeadlineExceeded(), 0, false, true,
       "deployment \"ecommerce-backend\" exceeded its progress deadline"},
      {"updated < replicas", Rollout(13, 13, 3, 1, 4, 3), 0, false, false,
       "Waiting for deployment \"ecommerce-backend\" rollout to finish: 1 out of 3 new replicas have been updated..."},
      {"old replicas pending termination", Rollout(13, 13, 3, 3, 4, 3), 0, false, false,
       "Waiting for deployment \"ecommerce-backend\" rollout to finish: 1 old replicas are pending termination..."},
      {"available < updated", Rollout(13, 13, 3, 3, 3, 2), 0, false, false,
       "Waiting for deployment \"ecommerce-backend\" rollout to finish: 2 of 3 updated replicas are available..."},
      {"complete", Rollout(13, 13, 3, 3, 3, 3), 0, true, false,
       "deployment \"ecommerce-backend\" successfully rolled out"},
      {"scaled to zero", Rollout(13, 13, 0, 0, 0, 0), 0, true, false,
       "deployment \"ecommerce-backend\" successfully rolled out"},
      {"spec.replicas unset skips the updated check", no_replicas, 0, true, false,
       "deployment \"ecommerce-backend\" successfully rolled out"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    const RolloutStatus status = EvaluateRolloutStatus(row.deployment, row.revision);
    CHECK(status.message == row.message);
    CHECK(status.done == row.done);
    CHECK(status.error == row.error);
  }
}

namespace {

const std::string kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
const std::string kSpec = "namespace: production\ndeployment: ecommerce-backend\ntimeout: 1m\npoll_interval: 1ms\n";

}  // namespace

TEST_CASE("rollout status action: the plan reads the Deployment and says where the rollout is",
          "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 3, 3, 2)));
  auto action = BuildAction(MakeActionFactory(), kSpec + "revision: 7\n", DepsWith(kube, &clock));
  CHECK(action->risk() == ActionRisk::kReadOnly);
  const ActionPlan plan = RunPlan(*action);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "k8s_rollout_status");
  CHECK(plan.summary ==
        "wait up to 1m for production/ecommerce-backend to finish rolling out revision 7 (now: Waiting for deployment "
        "\"ecommerce-backend\" rollout to finish: 2 of 3 updated replicas are available...)");
  CHECK(plan.steps == std::vector<std::string>{"GET " + kDeploymentPath + " every 1ms until rolled out, at most 1m"});
  CHECK(plan.details == json::object{{"timeout", "1m"}, {"poll_interval", "1ms"}, {"revision", 7}});
  CHECK(plan.observed.size() == 1);
  CHECK(RunPlan(*action, {{"revision", "8"}}).verdict == OutcomeReason::kInvalidParams);
}

TEST_CASE("rollout status action: polls until the rollout is done", "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(12, 12, 3, 3, 3, 3)));  // the plan's reading
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);

  // The Deployment changes while it rolls out (resourceVersion and all): that is expected here.
  auto rolling = std::make_shared<FakeKube>();
  json::value behind = Rollout(13, 12, 3, 3, 3, 3);
  Set(behind, {"metadata", "resourceVersion"}, "1300");
  rolling->On("GET", kDeploymentPath, Ok(behind));
  rolling->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 1, 4, 3)));
  rolling->On("GET", kDeploymentPath, Fail(k8s::ErrorKind::kServerError, 503, "GET: 503 ServiceUnavailable"));
  rolling->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 3, 3, 2)));
  rolling->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 3, 3, 3)));
  rolling->on_request = [&clock](const Request&) { clock.Advance(std::chrono::seconds(2)); };
  const Outcome outcome =
      RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(rolling, &clock)), plan, clock.SteadyNow() + 10min);
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(outcome.detail == "deployment \"ecommerce-backend\" successfully rolled out");
  CHECK(rolling->requests.size() == 5);
  CHECK(rolling->Writes().empty());
}

TEST_CASE("rollout status action: a progress deadline fails verification", "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 1, 4, 3)));
  kube->On("GET", kDeploymentPath, Ok(DeadlineExceeded()));
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);
  const Outcome outcome = RunExecute(*action, plan, clock.SteadyNow() + 10min);
  CHECK(outcome.reason == OutcomeReason::kVerifyFailed);
  CHECK(outcome.detail == "deployment \"ecommerce-backend\" exceeded its progress deadline");
}

TEST_CASE("rollout status action: the timeout ends the wait with the last message", "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 3, 4, 3)));
  kube->on_request = [&clock](const Request&) { clock.Advance(std::chrono::seconds(25)); };
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);
  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan, clock.SteadyNow() + 10min);
  CHECK(outcome.reason == OutcomeReason::kTimeout);
  CHECK(outcome.detail ==
        "timed out after 1m waiting for deployment production/ecommerce-backend to roll out: Waiting for deployment "
        "\"ecommerce-backend\" rollout to finish: 1 old replicas are pending termination...");
  CHECK(kube->requests.size() == 3);  // at 25s, 50s and 75s (past the minute)

  SECTION("reads that keep failing transiently are retried until then, and named") {
    auto flaky = std::make_shared<FakeKube>();
    flaky->On("GET", kDeploymentPath,
              Fail(k8s::ErrorKind::kServerError, 503, "GET " + kDeploymentPath + ": 503 ServiceUnavailable"));
    flaky->on_request = [&clock](const Request&) { clock.Advance(std::chrono::seconds(25)); };
    const Outcome o =
        RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(flaky, &clock)), plan, clock.SteadyNow() + 10min);
    CHECK(o.reason == OutcomeReason::kTimeout);
    CHECK(o.detail ==
          "timed out after 1m waiting for deployment production/ecommerce-backend to roll out: the "
          "deployment could not be read (last read: GET " +
              kDeploymentPath + ": 503 ServiceUnavailable)");
    CHECK(flaky->requests.size() == 3);
  }
}

TEST_CASE("rollout status action: the run's deadline bounds the wait too", "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 3, 3, 2)));
  kube->on_request = [&clock](const Request&) { clock.Advance(std::chrono::seconds(25)); };
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);
  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan, clock.SteadyNow() + 30s);
  CHECK(outcome.reason == OutcomeReason::kTimeout);
  CHECK(outcome.detail ==
        "the run's deadline passed while waiting for deployment production/ecommerce-backend to roll out: Waiting for "
        "deployment \"ecommerce-backend\" rollout to finish: 2 of 3 updated replicas are available...");
  CHECK(kube->requests.size() == 2);
}

TEST_CASE("rollout status action: a recreated or deleted Deployment ends the wait", "[k8s_rollout_status]") {
  testing::ManualClock clock;
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Rollout(13, 13, 3, 1, 4, 3)));
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube, &clock));
  const ActionPlan plan = RunPlan(*action);

  auto recreated = std::make_shared<FakeKube>();
  json::value fresh = Rollout(1, 1, 3, 3, 3, 3);
  Set(fresh, {"metadata", "uid"}, "new-uid");
  recreated->On("GET", kDeploymentPath, Ok(fresh));
  const Outcome replaced = RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(recreated, &clock)), plan,
                                      clock.SteadyNow() + 10min);
  CHECK(replaced.reason == OutcomeReason::kConflict);
  CHECK_THAT(replaced.detail, Contains("was replaced while waiting for its rollout"));

  auto deleted = std::make_shared<FakeKube>();
  deleted->On("GET", kDeploymentPath, Fail(k8s::ErrorKind::kNotFound, 404, "not found"));
  const Outcome gone =
      RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(deleted, &clock)), plan, clock.SteadyNow() + 10min);
  CHECK(gone.reason == OutcomeReason::kNotFound);
  CHECK(gone.detail == "deployment production/ecommerce-backend was deleted while waiting for its rollout");

  auto forbidden = std::make_shared<FakeKube>();
  forbidden->On("GET", kDeploymentPath, Fail(k8s::ErrorKind::kForbidden, 403, "forbidden"));
  CHECK(
      RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(forbidden, &clock)), plan, clock.SteadyNow() + 10min)
          .reason == OutcomeReason::kUnauthorized);
}

TEST_CASE("rollout status action: config", "[k8s_rollout_status]") {
  auto kube = std::make_shared<FakeKube>();
  const auto errors = [&](const std::string& yaml) { return ConfigErrors(MakeActionFactory(), yaml, DepsWith(kube)); };
  CHECK(errors("deployment: web\n").empty());
  CHECK(errors("deployment: web\nrevision: 3\ntimeout: 10m\npoll_interval: 5s\n").empty());
  CHECK_THAT(errors("deployment: web\nrevision: 0\n"), Contains("revision: must be between 1 and"));
  CHECK_THAT(errors("deployment: web\ntimeout: 0\n"), Contains("timeout must be greater than 0"));
  CHECK_THAT(errors("deployment: web\npoll_interval: soon\n"), Contains("invalid duration"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "deployment: web\n", ActionDeps{}),
             Contains("action type k8s_rollout_status needs a connection of type kubernetes (set connection: NAME)"));
}
