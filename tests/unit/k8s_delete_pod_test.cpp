// k8s_delete_pod: which pods a selector and state pick (container statuses, not the phase), the
// DELETE with its UID precondition (protocol-facts §1.5), and what a run reports.
#include <catch2/catch.hpp>

#include "remediations/k8s_delete_pod/delete_pod_plan.hpp"
#include "remediations/k8s_delete_pod/k8s_delete_pod_action.hpp"
#include "tests/unit/k8s_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::k8stest;
using namespace runbookd::remediations::k8s_delete_pod;
using Catch::Contains;

namespace {

// A pod of ecommerce-backend, Running and Ready, as `kubectl get pod -o json` shows it.
json::value Pod(std::string_view name) {
  json::value pod = Json(R"({
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
      "creationTimestamp": "2026-11-22T08:00:00Z",
      "generateName": "ecommerce-backend-7c9d8f6b5-",
      "labels": {"app": "ecommerce-backend", "pod-template-hash": "7c9d8f6b5"},
      "name": "NAME",
      "namespace": "production",
      "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true,
                           "kind": "ReplicaSet", "name": "ecommerce-backend-7c9d8f6b5", "uid": "rs-uid-7c9d8f6b5"}],
      "resourceVersion": "4711",
      "uid": "UID"
    },
    "spec": {
      "containers": [{"image": "shop:1.4.2", "imagePullPolicy": "IfNotPresent", "name": "backend", "resources": {}}],
      "nodeName": "node-a",
      "restartPolicy": "Always"
    },
    "status": {
      "conditions": [
        {"lastProbeTime": null, "lastTransitionTime": "2026-11-22T08:00:00Z", "status": "True", "type": "Initialized"},
        {"lastProbeTime": null, "lastTransitionTime": "2026-11-22T08:00:09Z", "status": "True", "type": "Ready"},
        {"lastProbeTime": null, "lastTransitionTime": "2026-11-22T08:00:09Z", "status": "True", "type": "ContainersReady"},
        {"lastProbeTime": null, "lastTransitionTime": "2026-11-22T08:00:00Z", "status": "True", "type": "PodScheduled"}
      ],
      "containerStatuses": [{
        "containerID": "containerd://0a1b2c",
        "image": "docker.io/library/shop:1.4.2",
        "imageID": "docker.io/library/shop@sha256:0123",
        "lastState": {},
        "name": "backend",
        "ready": true,
        "restartCount": 0,
        "started": true,
        "state": {"running": {"startedAt": "2026-11-22T08:00:05Z"}}
      }],
      "hostIP": "10.0.0.11",
      "phase": "Running",
      "podIP": "10.244.1.17",
      "qosClass": "BestEffort",
      "startTime": "2026-11-22T08:00:00Z"
    }
  })");
  Set(pod, {"metadata", "name"}, json::string(name));
  Set(pod, {"metadata", "uid"}, json::string("uid-" + std::string(name.substr(name.rfind('-') + 1))));
  return pod;
}

json::value& Container(json::value& pod) { return pod.at("status").at("containerStatuses").at(0); }

void NotReady(json::value& pod, std::string_view reason = "ContainersNotReady") {
  for (auto& c : pod.at("status").at("conditions").as_array()) {
    if (c.at("type") == "Ready" || c.at("type") == "ContainersReady") {
      c.as_object()["status"] = "False";
      c.as_object()["reason"] = reason;
    }
  }
  Container(pod).as_object()["ready"] = false;
}

// Crash-looping: the phase stays Running (Kuberhealthy #662 missed exactly this).
json::value CrashLooping(std::string_view name) {
  json::value pod = Pod(name);
  NotReady(pod);
  Set(Container(pod), {"state"}, Json(R"({"waiting": {"message": "back-off 5m0s restarting failed container=backend",
                           "reason": "CrashLoopBackOff"}})"));
  Set(Container(pod), {"lastState"},
      Json(R"({"terminated": {"containerID": "containerd://9f8e", "exitCode": 1, "finishedAt": "2026-11-22T08:20:00Z",
                              "reason": "Error", "startedAt": "2026-11-22T08:19:58Z"}})"));
  Set(Container(pod), {"restartCount"}, 7);
  return pod;
}

json::value Waiting(std::string_view name, std::string_view reason) {
  json::value pod = Pod(name);
  NotReady(pod);
  Set(Container(pod), {"state"}, json::object{{"waiting", json::object{{"reason", reason}}}});
  return pod;
}

json::value OomKilled(std::string_view name) {
  json::value pod = Pod(name);  // running again, but it was OOM-killed last time
  Set(Container(pod), {"lastState"},
      Json(R"({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-22T08:10:00Z"}})"));
  Set(Container(pod), {"restartCount"}, 1);
  return pod;
}

json::value Terminating(json::value pod) {
  Set(pod, {"metadata", "deletionTimestamp"}, "2026-11-22T08:30:00Z");
  Set(pod, {"metadata", "deletionGracePeriodSeconds"}, 30);
  return pod;
}

PodQuery Selector(std::string state, int64_t max_pods = 1) {
  PodQuery q;
  q.ns = "production";
  q.selector = "app=ecommerce-backend";
  q.state = std::move(state);
  q.max_pods = max_pods;
  return q;
}

std::vector<std::string> Chosen(const ActionPlan& plan) {
  std::vector<std::string> names;
  for (const auto& p : plan.details.at("pods").as_array()) names.emplace_back(p.at("name").as_string());
  return names;
}

}  // namespace

TEST_CASE("delete pod: each state matches on container statuses", "[k8s_delete_pod]") {
  const json::value healthy = Pod("ecommerce-backend-7c9d8f6b5-aaaaa");
  const json::value crashing = CrashLooping("ecommerce-backend-7c9d8f6b5-bbbbb");
  const json::value backoff = Waiting("ecommerce-backend-7c9d8f6b5-ccccc", "ImagePullBackOff");
  const json::value pull = Waiting("ecommerce-backend-7c9d8f6b5-ddddd", "ErrImagePull");
  const json::value oom = OomKilled("ecommerce-backend-7c9d8f6b5-eeeee");
  json::value failed = Pod("ecommerce-backend-7c9d8f6b5-fffff");
  Set(Container(failed), {"state"}, Json(R"({"terminated": {"exitCode": 2, "reason": "Error"}})"));
  Set(failed, {"status", "phase"}, "Failed");
  json::value not_ready = Pod("ecommerce-backend-7c9d8f6b5-ggggg");
  NotReady(not_ready);

  CHECK(crashing.at("status").at("phase") == "Running");
  CHECK(MatchState(crashing, "CrashLoopBackOff") == "container \"backend\" is waiting: CrashLoopBackOff");
  CHECK(MatchState(backoff, "ImagePullBackOff") == "container \"backend\" is waiting: ImagePullBackOff");
  CHECK(MatchState(pull, "ErrImagePull") == "container \"backend\" is waiting: ErrImagePull");
  CHECK(MatchState(oom, "OOMKilled") == "container \"backend\" last terminated: OOMKilled");
  CHECK(MatchState(failed, "Error") == "container \"backend\" terminated: Error");
  CHECK(MatchState(crashing, "Error") == "container \"backend\" last terminated: Error");
  CHECK(MatchState(not_ready, "NotReady") == "Ready is False (ContainersNotReady)");
  CHECK(MatchState(crashing, "NotReady").has_value());
  CHECK(MatchState(healthy, "Any") == "any state");

  for (const std::string state :
       {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Error", "NotReady"}) {
    INFO(state);
    CHECK_FALSE(MatchState(healthy, state).has_value());
  }
  CHECK_FALSE(MatchState(oom, "CrashLoopBackOff").has_value());
  CHECK_FALSE(MatchState(backoff, "ErrImagePull").has_value());
  CHECK_FALSE(MatchState(crashing, "OOMKilled").has_value());

  SECTION("init containers count too") {
    json::value init = Pod("ecommerce-backend-7c9d8f6b5-hhhhh");
    Set(init, {"status", "phase"}, "Pending");
    Set(init, {"status", "initContainerStatuses"}, Json(R"([{"name": "migrate", "ready": false, "restartCount": 4,
                  "state": {"waiting": {"reason": "CrashLoopBackOff"}}}])"));
    CHECK(MatchState(init, "CrashLoopBackOff") == "init container \"migrate\" is waiting: CrashLoopBackOff");
  }
  SECTION("a pod without a Ready condition is not ready") {
    json::value pending = Pod("ecommerce-backend-7c9d8f6b5-iiiii");
    Erase(pending, {"status", "conditions"});
    CHECK(MatchState(pending, "NotReady") == "no Ready condition");
  }
}

TEST_CASE("delete pod: a selector's matching pods, terminating ones skipped, sorted, at most max_pods",
          "[k8s_delete_pod]") {
  const json::value list =
      List("PodList",
           {CrashLooping("ecommerce-backend-7c9d8f6b5-zzzzz"), Pod("ecommerce-backend-7c9d8f6b5-aaaaa"),
            Terminating(CrashLooping("ecommerce-backend-7c9d8f6b5-bbbbb")),
            CrashLooping("ecommerce-backend-7c9d8f6b5-mmmmm"), CrashLooping("ecommerce-backend-7c9d8f6b5-ccccc")});
  const ActionPlan one = PlanDeleteSelected(Selector("CrashLoopBackOff"), list);
  INFO(one.summary);
  REQUIRE(one.verdict == OutcomeReason::kOk);
  CHECK(one.type == "k8s_delete_pod");
  CHECK(one.target == "production/pods/app=ecommerce-backend");
  CHECK(Chosen(one) == std::vector<std::string>{"ecommerce-backend-7c9d8f6b5-ccccc"});
  CHECK(one.summary ==
        "delete pod ecommerce-backend-7c9d8f6b5-ccccc in production matching app=ecommerce-backend in state "
        "CrashLoopBackOff (3 of 5 pods matched, 1 already terminating, max_pods 1)");
  CHECK(one.steps == std::vector<std::string>{
                         "GET /api/v1/namespaces/production/pods/ecommerce-backend-7c9d8f6b5-ccccc (unchanged since "
                         "the plan?)",
                         "DELETE /api/v1/namespaces/production/pods/ecommerce-backend-7c9d8f6b5-ccccc "
                         "(application/json, preconditions.uid uid-ccccc)"});
  CHECK(one.details.at("pods") ==
        json::array{json::object{{"name", "ecommerce-backend-7c9d8f6b5-ccccc"},
                                 {"uid", "uid-ccccc"},
                                 {"why", "container \"backend\" is waiting: CrashLoopBackOff"}}});
  REQUIRE(one.observed.size() == 1);
  CHECK(one.observed[0].at("kind") == "Pod");
  CHECK(one.observed[0].at("uid") == "uid-ccccc");

  const ActionPlan two = PlanDeleteSelected(Selector("CrashLoopBackOff", 2), list);
  CHECK(Chosen(two) ==
        std::vector<std::string>{"ecommerce-backend-7c9d8f6b5-ccccc", "ecommerce-backend-7c9d8f6b5-mmmmm"});
  CHECK(two.steps.size() == 4);
  const ActionPlan all = PlanDeleteSelected(Selector("Any", 10), list);
  CHECK(Chosen(all).size() == 4);  // every pod but the terminating one

  const ActionPlan none = PlanDeleteSelected(Selector("OOMKilled"), list);
  CHECK(none.verdict == OutcomeReason::kNoop);
  CHECK(none.summary == "no pods in production matching app=ecommerce-backend in state OOMKilled (5 listed)");
  CHECK(PlanDeleteSelected(Selector("CrashLoopBackOff"), List("PodList", {})).verdict == OutcomeReason::kNoop);
}

TEST_CASE("delete pod: by name, and a terminating pod is a no-op", "[k8s_delete_pod]") {
  PodQuery q;
  q.ns = "production";
  q.name = "ecommerce-backend-7c9d8f6b5-bbbbb";
  const ActionPlan plan = PlanDeleteNamed(q, Pod(q.name));
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.target == "production/pod/ecommerce-backend-7c9d8f6b5-bbbbb");
  CHECK(plan.summary == "delete pod production/ecommerce-backend-7c9d8f6b5-bbbbb (uid uid-bbbbb)");
  const ActionPlan gone = PlanDeleteNamed(q, Terminating(Pod(q.name)));
  CHECK(gone.verdict == OutcomeReason::kNoop);
  CHECK(gone.summary == "pod production/ecommerce-backend-7c9d8f6b5-bbbbb is already being deleted");
}

TEST_CASE("delete pod: the DeleteOptions body carries the UID precondition", "[k8s_delete_pod]") {
  CHECK(DeleteBody("uid-ccccc") == R"({"propagationPolicy":"Background","preconditions":{"uid":"uid-ccccc"}})");
}

// ---- The action ----

namespace {

const std::string kPodsPath = "/api/v1/namespaces/production/pods?labelSelector=app%3Decommerce-backend";
std::string PodPath(std::string_view name) { return "/api/v1/namespaces/production/pods/" + std::string(name); }
const std::string kSelectorSpec =
    "namespace: production\nselector: {app: ecommerce-backend}\nstate: CrashLoopBackOff\nmax_pods: 2\n";
const std::string kC = "ecommerce-backend-7c9d8f6b5-ccccc";
const std::string kM = "ecommerce-backend-7c9d8f6b5-mmmmm";

std::shared_ptr<FakeKube> CrashingCluster() {
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kPodsPath,
           Ok(List("PodList", {CrashLooping(kM), Pod("ecommerce-backend-7c9d8f6b5-aaaaa"), CrashLooping(kC)})));
  kube->On("GET", PodPath(kC), Ok(CrashLooping(kC)));
  kube->On("GET", PodPath(kM), Ok(CrashLooping(kM)));
  kube->On("DELETE", PodPath(kC), Ok(Terminating(CrashLooping(kC))));
  kube->On("DELETE", PodPath(kM), Ok(Terminating(CrashLooping(kM))));
  return kube;
}

}  // namespace

TEST_CASE("delete pod action: deletes the planned pods with their UIDs as preconditions", "[k8s_delete_pod]") {
  auto kube = CrashingCluster();
  auto action = BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(kube));
  CHECK(action->risk() == ActionRisk::kDestructive);
  const ActionPlan plan = RunPlan(*action);
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  REQUIRE(kube->requests.size() == 1);
  CHECK(kube->requests[0].path == kPodsPath);

  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan);
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(outcome.detail == "deleted pods production/" + kC + ", " + kM);
  CHECK(outcome.data == json::object{{"deleted", json::array{kC, kM}}, {"already_gone", json::array{}}});
  const auto writes = kube->Writes();
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].method == "DELETE");
  CHECK(writes[0].path == PodPath(kC));
  CHECK(writes[0].body == R"({"propagationPolicy":"Background","preconditions":{"uid":"uid-ccccc"}})");
  CHECK(writes[1].path == PodPath(kM));
  CHECK(writes[1].body == R"({"propagationPolicy":"Background","preconditions":{"uid":"uid-mmmmm"}})");
}

TEST_CASE("delete pod action: a pod gone since the plan is reported, not a failure", "[k8s_delete_pod]") {
  auto kube = CrashingCluster();
  auto action = BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(kube));
  const ActionPlan plan = RunPlan(*action);

  auto gone = std::make_shared<FakeKube>();
  gone->On("GET", PodPath(kC), Fail(k8s::ErrorKind::kNotFound, 404, "pods \"" + kC + "\" not found"));
  gone->On("GET", PodPath(kM), Ok(CrashLooping(kM)));
  gone->On("DELETE", PodPath(kM), Fail(k8s::ErrorKind::kNotFound, 404, "pods \"" + kM + "\" not found"));
  const Outcome outcome = RunExecute(*BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(gone)), plan);
  CHECK(outcome.ok);
  CHECK(outcome.reason == OutcomeReason::kNoop);
  CHECK(outcome.data == json::object{{"deleted", json::array{}}, {"already_gone", json::array{kC, kM}}});
}

TEST_CASE("delete pod action: a replaced pod stops the run before anything is deleted", "[k8s_delete_pod]") {
  auto kube = CrashingCluster();
  auto action = BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(kube));
  const ActionPlan plan = RunPlan(*action);

  json::value successor = CrashLooping(kM);
  Set(successor, {"metadata", "uid"}, "uid-new");
  auto later = std::make_shared<FakeKube>();
  later->On("GET", PodPath(kC), Ok(CrashLooping(kC)));
  later->On("GET", PodPath(kM), Ok(successor));
  const Outcome outcome = RunExecute(*BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(later)), plan);
  CHECK(outcome.reason == OutcomeReason::kConflict);
  CHECK(outcome.detail ==
        "pod production/" + kM + " was replaced since the plan (uid uid-mmmmm → uid-new); plan again");
  CHECK(later->Writes().empty());

  SECTION("a pod's resourceVersion alone does not matter") {
    json::value restarted = CrashLooping(kC);
    Set(restarted, {"metadata", "resourceVersion"}, "4800");
    auto fresh = std::make_shared<FakeKube>();
    fresh->On("GET", PodPath(kC), Ok(restarted));
    fresh->On("GET", PodPath(kM), Ok(CrashLooping(kM)));
    fresh->On("DELETE", PodPath(kC), Ok(nullptr));
    fresh->On("DELETE", PodPath(kM), Ok(nullptr));
    CHECK(RunExecute(*BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(fresh)), plan).ok);
  }
  SECTION("the server's 409 on the UID precondition is a conflict, with what was deleted before") {
    auto racing = std::make_shared<FakeKube>();
    racing->On("GET", PodPath(kC), Ok(CrashLooping(kC)));
    racing->On("GET", PodPath(kM), Ok(CrashLooping(kM)));
    racing->On("DELETE", PodPath(kC), Ok(nullptr));
    racing->On("DELETE", PodPath(kM),
               Fail(k8s::ErrorKind::kConflict, 409,
                    "DELETE " + PodPath(kM) +
                        ": 409 Conflict: Precondition failed: UID in precondition: uid-mmmmm, UID in object meta: "
                        "uid-new"));
    const Outcome o = RunExecute(*BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(racing)), plan);
    CHECK(o.reason == OutcomeReason::kConflict);
    CHECK_FALSE(o.retryable);
    CHECK(o.data.at("deleted") == json::array{kC});
  }
}

TEST_CASE("delete pod action: by name, from the spec or a param", "[k8s_delete_pod]") {
  auto kube = CrashingCluster();
  kube->On("GET", PodPath("web-1"), Fail(k8s::ErrorKind::kNotFound, 404, "pods \"web-1\" not found"));
  auto by_spec = BuildAction(MakeActionFactory(), "namespace: production\nname: " + kC + "\n", DepsWith(kube));
  const ActionPlan plan = RunPlan(*by_spec);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.target == "production/pod/" + kC);

  auto by_selector = BuildAction(MakeActionFactory(), kSelectorSpec, DepsWith(kube));
  const ActionPlan by_param = RunPlan(*by_selector, {{"name", kM}});
  REQUIRE(by_param.verdict == OutcomeReason::kOk);
  CHECK(by_param.target == "production/pod/" + kM);
  CHECK(RunPlan(*by_selector, {{"name", "web-1"}}).verdict == OutcomeReason::kNotFound);

  const ActionPlan bad = RunPlan(*by_selector, {{"name", "../secrets"}});
  CHECK(bad.verdict == OutcomeReason::kInvalidParams);
  CHECK(bad.summary == "param name: not a valid pod name: \"../secrets\"");
  CHECK(RunPlan(*by_selector, {{"pod", kM}}).summary == "unknown param \"pod\" (k8s_delete_pod accepts: name)");
}

TEST_CASE("delete pod action: config", "[k8s_delete_pod]") {
  auto kube = std::make_shared<FakeKube>();
  const auto errors = [&](const std::string& yaml) { return ConfigErrors(MakeActionFactory(), yaml, DepsWith(kube)); };
  CHECK(errors(kSelectorSpec).empty());
  CHECK(errors("name: web-1\n").empty());
  CHECK(errors("selector: \"app=web,tier in (api,web)\"\nstate: OOMKilled\n").empty());
  CHECK_THAT(errors("name: web-1\nselector: {app: web}\n"), Contains("give either name (one pod) or selector"));
  CHECK_THAT(errors("namespace: production\n"), Contains("give name (one pod) or selector (pods in a state)"));
  CHECK_THAT(errors("selector: {app: web}\nstate: Crashing\n"), Contains("unknown value \"Crashing\""));
  CHECK_THAT(errors("selector: {app: web}\nmax_pods: 0\n"), Contains("max_pods: must be between 1 and"));
  CHECK_THAT(errors("name: web-1\nstate: OOMKilled\n"), Contains("state applies to selector, not to a named pod"));
  CHECK_THAT(errors("selector: {}\n"), Contains("selector must not be empty"));
  CHECK_THAT(errors("selector: \"\"\n"), Contains("selector must not be empty"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), "name: web-1\n", ActionDeps{}),
             Contains("action type k8s_delete_pod needs a connection of type kubernetes (set connection: NAME)"));

  SECTION("a map selector is rendered sorted by key") {
    auto cluster = std::make_shared<FakeKube>();
    cluster->On("GET", "/api/v1/namespaces/production/pods?labelSelector=app%3Dweb%2Ctier%3Dapi",
                Ok(List("PodList", {})));
    auto action =
        BuildAction(MakeActionFactory(), "namespace: production\nselector: {tier: api, app: web}\n", DepsWith(cluster));
    const ActionPlan plan = RunPlan(*action);
    CHECK(plan.target == "production/pods/app=web,tier=api");
    CHECK(plan.verdict == OutcomeReason::kNoop);
  }
}
