// k8s_rollout_undo: kubectl's revision choice, refusals and patch (protocol-facts §1.2) on
// fixtures shaped like `kubectl get -o json`, then Plan/Execute against a scripted client.
#include <catch2/catch.hpp>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_rollout_undo/k8s_rollout_undo_action.hpp"
#include "remediations/k8s_rollout_undo/rollout_undo_plan.hpp"
#include "tests/unit/k8s_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::k8stest;
using namespace runbookd::remediations::k8s_rollout_undo;

namespace {

UndoRequest Undo(int64_t to_revision = 0) { return UndoRequest{{"production", "ecommerce-backend"}, to_revision}; }

// Revisions 5, 6 and 7 (7 is the Deployment's current template), listed in the API's name order.
json::value History() {
  return List("ReplicaSetList", {ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1"),
                                 ReplicaSet("ecommerce-backend-66f4b8c9d7", 5, "shop:1.4.0"),
                                 ReplicaSet("ecommerce-backend-7c9d8f6b5", 7, "shop:1.4.2", kDeploymentUid, 3)});
}

std::string ChosenReplicaSet(const ActionPlan& plan) { return std::string(plan.details.at("replica_set").as_string()); }

}  // namespace

TEST_CASE("undo: the previous revision is chosen, with a summary, steps and the exact patch", "[k8s_rollout_undo]") {
  const ActionPlan plan = PlanUndo(Undo(), Deployment(), History());
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "k8s_rollout_undo");
  CHECK(plan.target == "production/deployment/ecommerce-backend");
  CHECK(plan.summary ==
        "roll back production/ecommerce-backend from revision 7 (image shop:1.4.2) to revision 6 (image shop:1.4.1)");
  CHECK(ChosenReplicaSet(plan) == "ecommerce-backend-5d8c7b9f4");
  CHECK(plan.details.at("from_revision") == 7);
  CHECK(plan.details.at("to_revision") == 6);
  CHECK(plan.steps == std::vector<std::string>{
                          "GET /apis/apps/v1/namespaces/production/deployments/ecommerce-backend (unchanged since the "
                          "plan?)",
                          "GET /apis/apps/v1/namespaces/production/replicasets/ecommerce-backend-5d8c7b9f4 (unchanged "
                          "since the plan?)",
                          "PATCH /apis/apps/v1/namespaces/production/deployments/ecommerce-backend "
                          "(application/json-patch+json)"});
  REQUIRE(plan.observed.size() == 2);
  CHECK(plan.observed[0] == json::object{{"kind", "Deployment"},
                                         {"namespace", "production"},
                                         {"name", "ecommerce-backend"},
                                         {"uid", kDeploymentUid},
                                         {"resourceVersion", "1234"}});
  CHECK(plan.observed[1].at("kind") == "ReplicaSet");
  CHECK(plan.observed[1].at("uid") == "rs-uid-5d8c7b9f4");
  CHECK(plan.observed[1].at("resourceVersion") == "900");

  // The patch: the RS template without pod-template-hash, then the merged annotations.
  const json::value patch = Json(plan.details.at("patch").as_string());
  json::value wanted_template = ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1").at("spec").at("template");
  Erase(wanted_template, {"metadata", "labels", "pod-template-hash"});
  CHECK(patch == json::array{json::object{{"op", "replace"}, {"path", "/spec/template"}, {"value", wanted_template}},
                             json::object{{"op", "replace"},
                                          {"path", "/metadata/annotations"},
                                          {"value", json::object{{"deployment.kubernetes.io/revision", "7"},
                                                                 {"kubectl.kubernetes.io/last-applied-configuration",
                                                                  Deployment()
                                                                      .at("metadata")
                                                                      .at("annotations")
                                                                      .at("kubectl.kubernetes.io/"
                                                                          "last-applied-configuration")}}}}});
  CHECK(plan.details.at("content_type") == "application/json-patch+json");
}

TEST_CASE("undo: to_revision picks that revision, and missing or negative revisions are refused",
          "[k8s_rollout_undo]") {
  SECTION("found") {
    const ActionPlan plan = PlanUndo(Undo(5), Deployment(), History());
    REQUIRE(plan.verdict == OutcomeReason::kOk);
    CHECK(ChosenReplicaSet(plan) == "ecommerce-backend-66f4b8c9d7");
    CHECK(plan.summary ==
          "roll back production/ecommerce-backend from revision 7 (image shop:1.4.2) to revision 5 (image shop:1.4.0)");
  }
  SECTION("missing") {
    const ActionPlan plan = PlanUndo(Undo(9), Deployment(), History());
    CHECK(plan.verdict == OutcomeReason::kRefused);
    CHECK(plan.summary == "unable to find specified revision 9 in history");
  }
  SECTION("negative") {
    const ActionPlan plan = PlanUndo(Undo(-1), Deployment(), History());
    CHECK(plan.verdict == OutcomeReason::kRefused);
    CHECK(plan.summary == "unable to find specified revision -1 in history");
    CHECK(plan.observed.empty());  // refused before anything was read, as kubectl does
  }
}

TEST_CASE("undo: ReplicaSets the Deployment does not control are ignored", "[k8s_rollout_undo]") {
  json::value no_owner = ReplicaSet("ecommerce-backend-aaaaaaaaa", 8, "evil:1");
  Erase(no_owner, {"metadata", "ownerReferences"});
  json::value not_controller = ReplicaSet("ecommerce-backend-bbbbbbbbb", 9, "evil:2");
  not_controller.at("metadata").at("ownerReferences").at(0).as_object()["controller"] = false;
  json::value other_owner = ReplicaSet("ecommerce-backend-ccccccccc", 10, "evil:3", "another-deployment-uid");

  SECTION("the previous of the controlled ones is still chosen") {
    json::value list = History();
    for (const auto& rs : {no_owner, not_controller, other_owner}) list.at("items").as_array().push_back(rs);
    const ActionPlan plan = PlanUndo(Undo(), Deployment(), list);
    REQUIRE(plan.verdict == OutcomeReason::kOk);
    CHECK(ChosenReplicaSet(plan) == "ecommerce-backend-5d8c7b9f4");
    // Nor can one be chosen by its revision.
    CHECK(PlanUndo(Undo(8), Deployment(), list).summary == "unable to find specified revision 8 in history");
    CHECK(PlanUndo(Undo(10), Deployment(), list).verdict == OutcomeReason::kRefused);
  }
  SECTION("with only one controlled ReplicaSet there is no history") {
    const json::value list = List("ReplicaSetList", {ReplicaSet("ecommerce-backend-7c9d8f6b5", 7, "shop:1.4.2"),
                                                     no_owner, not_controller, other_owner});
    const ActionPlan plan = PlanUndo(Undo(), Deployment(), list);
    CHECK(plan.verdict == OutcomeReason::kRefused);
    CHECK(plan.summary == "no rollout history found for deployment \"ecommerce-backend\"");
  }
}

TEST_CASE("undo: fewer than two revisions is no rollout history", "[k8s_rollout_undo]") {
  CHECK(PlanUndo(Undo(), Deployment(), List("ReplicaSetList", {})).summary ==
        "no rollout history found for deployment \"ecommerce-backend\"");
  json::value unparsable = ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1");
  Set(unparsable, {"metadata", "annotations", "deployment.kubernetes.io/revision"}, "six");
  const ActionPlan plan =
      PlanUndo(Undo(), Deployment(),
               List("ReplicaSetList", {ReplicaSet("ecommerce-backend-7c9d8f6b5", 7, "shop:1.4.2"), unparsable}));
  CHECK(plan.verdict == OutcomeReason::kRefused);
  CHECK(plan.summary == "no rollout history found for deployment \"ecommerce-backend\"");
}

TEST_CASE("undo: a paused Deployment is refused, after the revision lookup as kubectl orders it",
          "[k8s_rollout_undo]") {
  json::value paused = Deployment();
  Set(paused, {"spec", "paused"}, true);
  const ActionPlan refused = PlanUndo(Undo(), paused, History());
  CHECK(refused.verdict == OutcomeReason::kRefused);
  CHECK(refused.summary ==
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  // The lookup comes first: a missing revision is reported as missing even when paused.
  CHECK(PlanUndo(Undo(9), paused, History()).summary == "unable to find specified revision 9 in history");
  CHECK(PlanUndo(Undo(), paused, List("ReplicaSetList", {})).summary ==
        "no rollout history found for deployment \"ecommerce-backend\"");
}

TEST_CASE("undo: no-op when the templates match, ignoring pod-template-hash and Go's zero values",
          "[k8s_rollout_undo]") {
  // The Deployment was already rolled back to 1.4.1 by hand; its template lacks the Go artefacts
  // ("creationTimestamp": null, "resources": {}) that the ReplicaSet's carries, and has an empty
  // list the ReplicaSet omits.
  json::value deployment = Deployment(8, "shop:1.4.1");
  Erase(deployment, {"spec", "template", "metadata", "creationTimestamp"});
  deployment.at("spec").at("template").at("spec").at("containers").at(0).as_object().erase("resources");
  Set(deployment, {"spec", "template", "spec", "tolerations"}, json::array{});
  const ActionPlan plan =
      PlanUndo(Undo(), deployment,
               List("ReplicaSetList", {ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1"),
                                       ReplicaSet("ecommerce-backend-7c9d8f6b5", 7, "shop:1.4.2")}));
  CHECK(plan.verdict == OutcomeReason::kNoop);
  CHECK(plan.summary == "skipped rollback (current template already matches revision 6)");
}

TEST_CASE("undo: semantic equality treats absent, null, {} and [] alike, recursively", "[k8s_rollout_undo]") {
  CHECK(SemanticEqual(Json(R"({"a":1})"), Json(R"({"a":1,"b":null,"c":{},"d":[],"e":{"f":null,"g":[]}})")));
  CHECK(SemanticEqual(Json(R"({"a":[{"x":{}}]})"), Json(R"({"a":[{}]})")));
  CHECK(SemanticEqual(Json("null"), Json("{}")));
  CHECK(SemanticEqual(Json(R"({"n":5})"), Json(R"({"n":5.0})")));
  CHECK_FALSE(SemanticEqual(Json(R"({"a":1})"), Json(R"({"a":2})")));
  CHECK_FALSE(SemanticEqual(Json(R"({"a":1})"), Json(R"({})")));
  CHECK_FALSE(SemanticEqual(Json(R"({"a":[1,2]})"), Json(R"({"a":[2,1]})")));
  CHECK_FALSE(SemanticEqual(Json(R"({"a":{"b":""}})"), Json(R"({})")));  // "" is a value
  CHECK_FALSE(SemanticEqual(Json(R"({"a":"1"})"), Json(R"({"a":1})")));
}

TEST_CASE("undo: annotations and patch as kubectl sends them (the verified example)", "[k8s_rollout_undo]") {
  // protocol-facts §1.2: `custom: x` on the Deployment vanishes, the RS's `rs-note` is added,
  // last-applied-configuration and the revision stay the Deployment's.
  const json::value deployment = Json(R"({
    "metadata": {"name": "web", "namespace": "default", "uid": "dep-uid", "resourceVersion": "10",
                 "annotations": {"custom": "x", "deployment.kubernetes.io/revision": "2",
                                 "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:2", "resources": {}}]}}}})");
  const json::value replica_set = Json(R"({
    "metadata": {"name": "web-6d4cf56db6", "namespace": "default", "uid": "rs-uid", "resourceVersion": "7",
                 "annotations": {"deployment.kubernetes.io/desired-replicas": "1",
                                 "deployment.kubernetes.io/max-replicas": "2",
                                 "deployment.kubernetes.io/revision": "1", "rs-note": "from-rs-1"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                      "uid": "dep-uid", "controller": true, "blockOwnerDeletion": true}]},
    "spec": {"template": {"metadata": {"creationTimestamp": null,
                                       "labels": {"app": "web", "pod-template-hash": "6d4cf56db6"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1", "resources": {}}]}}}})");
  CHECK(Text(RollbackAnnotations(deployment, replica_set)) ==
        R"({"deployment.kubernetes.io/revision":"2","kubectl.kubernetes.io/last-applied-configuration":"{}",)"
        R"("rs-note":"from-rs-1"})");

  json::value new_rs = replica_set;
  Set(new_rs, {"metadata", "name"}, "web-7f8d9c6b5");
  Set(new_rs, {"metadata", "uid"}, "rs-uid-2");
  Set(new_rs, {"metadata", "annotations"}, json::object{{"deployment.kubernetes.io/revision", "2"}});
  Set(new_rs, {"spec", "template"}, deployment.at("spec").at("template"));
  const ActionPlan plan =
      PlanUndo(UndoRequest{{"default", "web"}, 0}, deployment, List("ReplicaSetList", {replica_set, new_rs}));
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(
      plan.details.at("patch") ==
      R"([{"op":"replace","path":"/spec/template","value":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},)"
      R"("spec":{"containers":[{"name":"web","image":"nginx:1","resources":{}}]}}},{"op":"replace",)"
      R"("path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"2",)"
      R"("kubectl.kubernetes.io/last-applied-configuration":"{}","rs-note":"from-rs-1"}}])");
}

TEST_CASE("undo: equal revisions are resolved in kubectl's order (the current ReplicaSet last)", "[k8s_rollout_undo]") {
  // Two ReplicaSets claim revision 6. kubectl walks them by creation time with the Deployment's
  // current one moved last, so the earlier-created one becomes "previous", although the API lists
  // the other first (by name).
  const json::value list =
      List("ReplicaSetList",
           {ReplicaSet("ecommerce-backend-7c9d8f6b5", 7, "shop:1.4.2", kDeploymentUid, 3, "2026-11-01T08:00:00Z"),
            ReplicaSet("ecommerce-backend-bbbbbbbbb", 6, "shop:b", kDeploymentUid, 0, "2026-11-01T07:00:00Z"),
            ReplicaSet("ecommerce-backend-aaaaaaaaa", 6, "shop:a", kDeploymentUid, 0, "2026-11-01T09:00:00Z")});
  const Choice choice = ChooseReplicaSet(Deployment(), list, 0);
  REQUIRE(choice.replica_set != nullptr);
  CHECK(k8s::StringAt(*choice.replica_set, {"metadata", "name"}) == "ecommerce-backend-bbbbbbbbb");
}

// ---- The action: config, Plan and Execute against a scripted client ----

namespace {

const std::string kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
const std::string kListPath = "/apis/apps/v1/namespaces/production/replicasets?labelSelector=app%3Decommerce-backend";
const std::string kReplicaSetPath = "/apis/apps/v1/namespaces/production/replicasets/ecommerce-backend-5d8c7b9f4";

std::shared_ptr<FakeKube> ScriptedCluster() {
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Deployment()));
  kube->On("GET", kListPath, Ok(History()));
  kube->On("GET", kReplicaSetPath, Ok(ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1")));
  kube->On("PATCH", kDeploymentPath, Ok(Deployment()));
  return kube;
}

const std::string kSpec = "namespace: production\ndeployment: ecommerce-backend\n";

}  // namespace

TEST_CASE("undo action: Plan reads the Deployment and its ReplicaSets, Execute re-reads both and patches",
          "[k8s_rollout_undo]") {
  auto kube = ScriptedCluster();
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube));
  CHECK(action->risk() == ActionRisk::kReversible);
  const ActionPlan plan = RunPlan(*action);
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  REQUIRE(kube->requests.size() == 2);
  CHECK(kube->requests[0].path == kDeploymentPath);
  CHECK(kube->requests[1].path == kListPath);

  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan);
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(outcome.reason == OutcomeReason::kOk);
  CHECK(outcome.detail == "deployment.apps/ecommerce-backend rolled back");
  CHECK(outcome.data == json::object{{"from_revision", 7}, {"to_revision", 6}});
  REQUIRE(kube->requests.size() == 3);
  CHECK(kube->requests[0].path == kDeploymentPath);
  CHECK(kube->requests[1].path == kReplicaSetPath);
  CHECK(kube->requests[2].method == "PATCH");
  CHECK(kube->requests[2].path == kDeploymentPath);
  CHECK(kube->requests[2].patch_type == k8s::PatchType::kJson);
  CHECK(kube->requests[2].body == plan.details.at("patch").as_string());
}

TEST_CASE("undo action: a Deployment changed since the plan is a conflict and nothing is patched",
          "[k8s_rollout_undo]") {
  auto kube = ScriptedCluster();
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube));
  const ActionPlan plan = RunPlan(*action);
  REQUIRE(plan.runnable());

  json::value changed = Deployment();
  Set(changed, {"metadata", "resourceVersion"}, "1240");
  auto later = std::make_shared<FakeKube>();
  later->On("GET", kDeploymentPath, Ok(changed));
  auto same_action = BuildAction(MakeActionFactory(), kSpec, DepsWith(later));
  const Outcome outcome = RunExecute(*same_action, plan);
  CHECK(outcome.reason == OutcomeReason::kConflict);
  CHECK_FALSE(outcome.retryable);
  CHECK(outcome.detail ==
        "deployment production/ecommerce-backend changed since the plan (resourceVersion 1234 → 1240); plan again");
  CHECK(later->Writes().empty());

  SECTION("a replaced ReplicaSet too") {
    auto replaced = std::make_shared<FakeKube>();
    replaced->On("GET", kDeploymentPath, Ok(Deployment()));
    json::value new_rs = ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1");
    Set(new_rs, {"metadata", "uid"}, "another-uid");
    replaced->On("GET", kReplicaSetPath, Ok(new_rs));
    const Outcome o = RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(replaced)), plan);
    CHECK(o.reason == OutcomeReason::kConflict);
    CHECK(o.detail ==
          "replicaset production/ecommerce-backend-5d8c7b9f4 was replaced since the plan (uid rs-uid-5d8c7b9f4 → "
          "another-uid); plan again");
    CHECK(replaced->Writes().empty());
  }
}

TEST_CASE("undo action: API failures map to outcomes", "[k8s_rollout_undo]") {
  auto kube = ScriptedCluster();
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube));
  const ActionPlan plan = RunPlan(*action);

  auto fails = [&](k8s::ErrorKind kind, int status) {
    auto cluster = std::make_shared<FakeKube>();
    cluster->On("GET", kDeploymentPath, Ok(Deployment()));
    cluster->On("GET", kReplicaSetPath, Ok(ReplicaSet("ecommerce-backend-5d8c7b9f4", 6, "shop:1.4.1")));
    cluster->On("PATCH", kDeploymentPath, Fail(kind, status, "PATCH " + kDeploymentPath + ": failed"));
    return RunExecute(*BuildAction(MakeActionFactory(), kSpec, DepsWith(cluster)), plan);
  };
  const Outcome on_409 = fails(k8s::ErrorKind::kConflict, 409);
  CHECK(on_409.reason == OutcomeReason::kConflict);
  CHECK_FALSE(on_409.retryable);
  const Outcome on_503 = fails(k8s::ErrorKind::kServerError, 503);
  CHECK(on_503.reason == OutcomeReason::kUnavailable);
  CHECK(on_503.retryable);
  CHECK(fails(k8s::ErrorKind::kForbidden, 403).reason == OutcomeReason::kUnauthorized);
  CHECK(fails(k8s::ErrorKind::kInvalid, 422).reason == OutcomeReason::kApiError);
  const Outcome on_timeout = fails(k8s::ErrorKind::kTimeout, 0);
  CHECK(on_timeout.reason == OutcomeReason::kTimeout);
  CHECK(on_timeout.retryable);

  SECTION("a missing Deployment at plan time is not_found") {
    auto empty = std::make_shared<FakeKube>();
    empty->On("GET", kDeploymentPath,
              Fail(k8s::ErrorKind::kNotFound, 404,
                   "GET " + kDeploymentPath + ": 404 NotFound: deployments.apps \"ecommerce-backend\" not found"));
    const ActionPlan missing = RunPlan(*BuildAction(MakeActionFactory(), kSpec, DepsWith(empty)));
    CHECK(missing.verdict == OutcomeReason::kNotFound);
    CHECK(missing.summary.find("not found") != std::string::npos);
  }
}

TEST_CASE("undo action: params", "[k8s_rollout_undo]") {
  auto kube = ScriptedCluster();
  auto action = BuildAction(MakeActionFactory(), kSpec, DepsWith(kube));
  const ActionPlan to_five = RunPlan(*action, {{"to_revision", "5"}});
  REQUIRE(to_five.verdict == OutcomeReason::kOk);
  CHECK(to_five.details.at("to_revision") == 5);

  const ActionPlan bad = RunPlan(*action, {{"to_revision", "five"}});
  CHECK(bad.verdict == OutcomeReason::kInvalidParams);
  CHECK(bad.summary == "param to_revision: expected an integer, got \"five\"");

  const ActionPlan unknown = RunPlan(*action, {{"revision", "5"}});
  CHECK(unknown.verdict == OutcomeReason::kInvalidParams);
  CHECK(unknown.summary == "unknown param \"revision\" (k8s_rollout_undo accepts: to_revision)");

  kube->requests.clear();
  const ActionPlan negative = RunPlan(*action, {{"to_revision", "-2"}});
  CHECK(negative.verdict == OutcomeReason::kRefused);
  CHECK(negative.summary == "unable to find specified revision -2 in history");
  CHECK(kube->requests.empty());
}

TEST_CASE("undo action: config", "[k8s_rollout_undo]") {
  using Catch::Contains;
  auto kube = std::make_shared<FakeKube>();
  CHECK(ConfigErrors(MakeActionFactory(), kSpec + "to_revision: 3\n", DepsWith(kube)).empty());
  CHECK(ConfigErrors(MakeActionFactory(), kSpec, ActionDeps{}) ==
        "spec.yaml:1:1: (root): action type k8s_rollout_undo needs a connection of type kubernetes (set connection: "
        "NAME)\n");
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "namespace: production\n", DepsWith(kube)),
             Contains("missing required key \"deployment\""));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), kSpec + "to_revision: -1\n", DepsWith(kube)),
             Contains("to_revision: must be between 0 and"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "deployment: Bad/Name\n", DepsWith(kube)),
             Contains("deployment: not a valid Kubernetes object name: \"Bad/Name\""));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "namespace: prod_1\ndeployment: web\n", DepsWith(kube)),
             Contains("namespace: not a valid namespace"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), kSpec + "revision: 3\n", DepsWith(kube)), Contains("revision"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "", DepsWith(kube)),
             Contains("action type k8s_rollout_undo needs a spec with at least \"deployment\""));

  SECTION("namespace defaults to the connection's") {
    kube->default_namespace_ = "staging";
    kube->On("GET", "/apis/apps/v1/namespaces/staging/deployments/web",
             Fail(k8s::ErrorKind::kNotFound, 404, "not found"));
    const ActionPlan plan = RunPlan(*BuildAction(MakeActionFactory(), "deployment: web\n", DepsWith(kube)));
    CHECK(plan.target == "staging/deployment/web");
    CHECK(plan.verdict == OutcomeReason::kNotFound);
  }
}
