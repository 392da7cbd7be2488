#include "probes/k8s_workload/k8s_workload_probe.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "k8s_probes_fake_client.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_workload/workload_assessment.hpp"

using namespace runbookd;
using probes::k8s_workload::AssessWorkload;
using probes::k8s_workload::MakeProbeFactory;
using probes::k8s_workload::WorkloadSpec;

namespace {

namespace json = boost::json;

// ManualClock's wall time: 1'800'000'000 s after the epoch.
const WallTime kNow = *probes::k8s_common::ParseTime("2027-01-15T08:00:00Z");

// `kubectl get deployment ecommerce-backend -n production -o json`, all replicas available.
constexpr const char* kDeployment = R"({
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {
    "annotations": {"deployment.kubernetes.io/revision": "7"},
    "creationTimestamp": "2026-11-02T10:15:00Z",
    "generation": 9,
    "labels": {"app": "ecommerce-backend"},
    "name": "ecommerce-backend",
    "namespace": "production",
    "resourceVersion": "918273",
    "uid": "5f0c2c56-8a43-4d7e-9b52-2f6f0c1d9a11"
  },
  "spec": {
    "progressDeadlineSeconds": 600,
    "replicas": 3,
    "revisionHistoryLimit": 10,
    "selector": {"matchLabels": {"app": "ecommerce-backend"}},
    "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
    "template": {
      "metadata": {"labels": {"app": "ecommerce-backend"}},
      "spec": {"containers": [{"image": "registry.example.com/ecommerce-backend:2.14.1", "name": "app"}]}
    }
  },
  "status": {
    "availableReplicas": 3,
    "conditions": [
      {"lastTransitionTime": "2026-11-02T10:15:30Z", "lastUpdateTime": "2026-11-02T10:15:30Z",
       "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable",
       "status": "True", "type": "Available"},
      {"lastTransitionTime": "2026-11-02T10:15:00Z", "lastUpdateTime": "2027-01-14T16:02:11Z",
       "message": "ReplicaSet \"ecommerce-backend-7d9f8b6c5\" has successfully progressed.",
       "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}
    ],
    "observedGeneration": 9,
    "readyReplicas": 3,
    "replicas": 3,
    "updatedReplicas": 3
  }
})";

// A pod of the Deployment as `kubectl get pods -o json` shows it, with `container_status` as
// the app container's status and `phase` as its phase.
std::string Pod(const std::string& name, const std::string& phase, const std::string& container_status) {
  return R"({
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
      "creationTimestamp": "2027-01-14T16:01:40Z",
      "generateName": "ecommerce-backend-7d9f8b6c5-",
      "labels": {"app": "ecommerce-backend", "pod-template-hash": "7d9f8b6c5"},
      "name": ")" +
         name + R"(",
      "namespace": "production",
      "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true,
                           "kind": "ReplicaSet", "name": "ecommerce-backend-7d9f8b6c5",
                           "uid": "0b1c9d7e-2c55-4c1e-8a8e-3e2b7b1f6d20"}],
      "uid": "uid-)" +
         name + R"("
    },
    "spec": {
      "containers": [{"image": "registry.example.com/ecommerce-backend:2.14.1", "name": "app",
                      "resources": {"limits": {"memory": "512Mi"}}}],
      "nodeName": "ip-10-0-1-23.ec2.internal",
      "restartPolicy": "Always"
    },
    "status": {
      "containerStatuses": [)" +
         container_status + R"(],
      "hostIP": "10.0.1.23",
      "phase": ")" +
         phase + R"(",
      "podIP": "10.0.1.5",
      "qosClass": "Burstable",
      "startTime": "2027-01-14T16:01:40Z"
    }
  })";
}

constexpr const char* kRunning = R"({
  "containerID": "containerd://4a1f9c", "image": "registry.example.com/ecommerce-backend:2.14.1",
  "imageID": "registry.example.com/ecommerce-backend@sha256:9b2e", "lastState": {}, "name": "app",
  "ready": true, "restartCount": 0, "started": true,
  "state": {"running": {"startedAt": "2027-01-14T16:01:45Z"}}
})";

// The one the runbook's `kubectl get pods` shows as CrashLoopBackOff: phase Running, the
// container waiting to be restarted after exiting with an error 2 minutes ago.
constexpr const char* kCrashLoopAfterError = R"json({
  "containerID": "containerd://77c0e1", "image": "registry.example.com/ecommerce-backend:2.14.1",
  "imageID": "registry.example.com/ecommerce-backend@sha256:9b2e",
  "lastState": {"terminated": {"containerID": "containerd://77c0e1", "exitCode": 1,
                               "finishedAt": "2027-01-15T07:58:00Z", "reason": "Error",
                               "startedAt": "2027-01-15T07:57:58Z"}},
  "name": "app", "ready": false, "restartCount": 12, "started": false,
  "state": {"waiting": {"message": "back-off 5m0s restarting failed container=app pod=ecommerce-backend-7d9f8b6c5-x2k4p_production(4f1d9a2e-1111-4c1e-8a8e-3e2b7b1f6d20)",
                        "reason": "CrashLoopBackOff"}}
})json";

std::string ListOf(std::initializer_list<std::string> pods) {
  std::string items;
  for (const auto& pod : pods) items += (items.empty() ? "" : ",") + pod;
  return R"({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "918301"}, "items": [)" + items +
         "]}";
}

json::value DeploymentWith(int64_t available, int64_t updated = 3) {
  json::value d = json::parse(kDeployment);
  d.at("status").as_object()["availableReplicas"] = available;
  d.at("status").as_object()["readyReplicas"] = available;
  d.at("status").as_object()["updatedReplicas"] = updated;
  if (available < 3) d.at("status").as_object()["unavailableReplicas"] = 3 - available;
  return d;
}

ProbeResult Assess(const json::value& deployment, const std::string& pods, const WorkloadSpec& spec = {}) {
  return AssessWorkload(deployment, json::parse(pods), kNow, spec);
}

double Obs(const ProbeResult& r, std::string_view name) { return probetest::Observed(r, name); }

}  // namespace

TEST_CASE("k8s_workload: a Deployment with every replica available is healthy", "[k8s_workload]") {
  const auto r =
      Assess(json::parse(kDeployment), ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", kRunning),
                                               Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning),
                                               Pod("ecommerce-backend-7d9f8b6c5-m3z7t", "Running", kRunning)}));
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "deployment production/ecommerce-backend (revision 7): 3/3 replicas available");
  CHECK(Obs(r, "replicas_desired") == 3);
  CHECK(Obs(r, "replicas_available") == 3);
  CHECK(Obs(r, "replicas_updated") == 3);
  CHECK(Obs(r, "replicas_unavailable") == 0);
  CHECK(Obs(r, "pods_total") == 3);
  CHECK(Obs(r, "pods_crash_loop") == 0);
  CHECK(Obs(r, "container_restarts") == 0);
  CHECK(Obs(r, "deployment_revision") == 7);
}

TEST_CASE("k8s_workload: a CrashLoopBackOff pod whose phase is Running is a crash loop", "[k8s_workload]") {
  const auto r =
      Assess(DeploymentWith(2), ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", kCrashLoopAfterError),
                                        Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning),
                                        Pod("ecommerce-backend-7d9f8b6c5-m3z7t", "Running", kRunning)}));
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kCrashLoop);
  CHECK(
      r.detail ==
      "deployment production/ecommerce-backend (revision 7): 2/3 replicas available; pod "
      "ecommerce-backend-7d9f8b6c5-x2k4p container app: CrashLoopBackOff (12 restarts, last exit Error code 1 2m ago)");
  CHECK(Obs(r, "pods_crash_loop") == 1);
  CHECK(Obs(r, "pods_oom_killed") == 0);
  CHECK(Obs(r, "container_restarts") == 12);
  CHECK(Obs(r, "replicas_unavailable") == 1);
}

TEST_CASE("k8s_workload: crash loop wins over the OOMKilled exit that caused it", "[k8s_workload]") {
  const std::string crash_after_oom = R"({
    "lastState": {"terminated": {"exitCode": 137, "finishedAt": "2027-01-15T07:58:00Z", "reason": "OOMKilled",
                                 "startedAt": "2027-01-15T07:55:00Z"}},
    "name": "app", "ready": false, "restartCount": 12, "started": false,
    "state": {"waiting": {"message": "back-off 5m0s restarting failed container", "reason": "CrashLoopBackOff"}}
  })";
  const auto r = Assess(DeploymentWith(1), ListOf({Pod("ecommerce-backend-7d9f-abc", "Running", crash_after_oom)}));
  INFO(r.detail);
  CHECK(r.reason == ProbeReason::kCrashLoop);
  CHECK(r.detail ==
        "deployment production/ecommerce-backend (revision 7): 1/3 replicas available; pod ecommerce-backend-7d9f-abc "
        "container app: CrashLoopBackOff (12 restarts, last exit OOMKilled 2m ago)");
  CHECK(Obs(r, "pods_crash_loop") == 1);
  CHECK(Obs(r, "pods_oom_killed") == 1);
}

TEST_CASE("k8s_workload: OOMKilled in lastState counts only within the window", "[k8s_workload]") {
  const auto restarted_after_oom = [](const std::string& finished_at) {
    return R"({
      "lastState": {"terminated": {"containerID": "containerd://1d2e", "exitCode": 137, "finishedAt": ")" +
           finished_at + R"(", "reason": "OOMKilled", "startedAt": "2027-01-14T16:01:45Z"}},
      "name": "app", "ready": true, "restartCount": 1, "started": true,
      "state": {"running": {"startedAt": "2027-01-15T07:57:01Z"}}
    })";
  };
  SECTION("3 minutes ago, window 10m: oom_killed") {
    const auto r =
        Assess(json::parse(kDeployment),
               ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", restarted_after_oom("2027-01-15T07:57:00Z")),
                       Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning)}));
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kOomKilled);
    CHECK_THAT(r.detail, Catch::Contains("pod ecommerce-backend-7d9f8b6c5-x2k4p container app: running (1 restart, "
                                         "last exit OOMKilled 3m ago)"));
    CHECK(Obs(r, "pods_oom_killed") == 1);
  }
  SECTION("25 minutes ago, window 10m: healthy") {
    const auto r = Assess(
        json::parse(kDeployment),
        ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", restarted_after_oom("2027-01-15T07:35:00Z"))}));
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(Obs(r, "pods_oom_killed") == 0);
    CHECK(Obs(r, "container_restarts") == 1);
  }
  SECTION("25 minutes ago, window 30m: oom_killed") {
    WorkloadSpec spec;
    spec.window = std::chrono::minutes(30);
    const auto r = Assess(
        json::parse(kDeployment),
        ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", restarted_after_oom("2027-01-15T07:35:00Z"))}),
        spec);
    CHECK(r.reason == ProbeReason::kOomKilled);
  }
}

TEST_CASE("k8s_workload: ImagePullBackOff and ErrImagePull are image_pull", "[k8s_workload]") {
  const std::string back_off = R"({
    "image": "registry.example.com/ecommerce-backend:2.15.0-typo", "imageID": "", "lastState": {}, "name": "app",
    "ready": false, "restartCount": 0, "started": false,
    "state": {"waiting": {"message": "Back-off pulling image \"registry.example.com/ecommerce-backend:2.15.0-typo\"",
                          "reason": "ImagePullBackOff"}}
  })";
  const std::string err_pull = R"({
    "image": "registry.example.com/ecommerce-backend:2.15.0-typo", "imageID": "", "lastState": {}, "name": "app",
    "ready": false, "restartCount": 0, "started": false,
    "state": {"waiting": {"message": "rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/ecommerce-backend:2.15.0-typo\": not found",
                          "reason": "ErrImagePull"}}
  })";
  const auto r = Assess(DeploymentWith(3, 1), ListOf({Pod("ecommerce-backend-5c8d7f9b4-h2j6k", "Pending", back_off),
                                                      Pod("ecommerce-backend-5c8d7f9b4-p9r3s", "Pending", err_pull),
                                                      Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning)}));
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kImagePull);
  CHECK(Obs(r, "pods_image_pull") == 2);
  CHECK_THAT(r.detail, Catch::Contains("3/3 replicas available, 1/3 updated"));
  CHECK_THAT(r.detail,
             Catch::Contains("pod ecommerce-backend-5c8d7f9b4-h2j6k container app: ImagePullBackOff: Back-off "
                             "pulling image \"registry.example.com/ecommerce-backend:2.15.0-typo\""));
  CHECK_THAT(r.detail, Catch::Contains("pod ecommerce-backend-5c8d7f9b4-p9r3s container app: ErrImagePull: rpc error"));
}

TEST_CASE("k8s_workload: ProgressDeadlineExceeded comes first", "[k8s_workload]") {
  json::value d = DeploymentWith(2, 1);
  d.at("status").at("conditions").as_array()[1] = json::parse(R"({
    "lastTransitionTime": "2027-01-15T07:45:00Z", "lastUpdateTime": "2027-01-15T07:45:00Z",
    "message": "ReplicaSet \"ecommerce-backend-5c8d7f9b4\" has timed out progressing.",
    "reason": "ProgressDeadlineExceeded", "status": "False", "type": "Progressing"})");
  const std::string back_off = R"({"name": "app", "ready": false, "restartCount": 0,
    "state": {"waiting": {"message": "Back-off pulling image \"x\"", "reason": "ImagePullBackOff"}}})";
  const auto r = Assess(d, ListOf({Pod("ecommerce-backend-5c8d7f9b4-h2j6k", "Pending", back_off),
                                   Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning)}));
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kProgressDeadline);
  CHECK_THAT(r.detail, Catch::Contains("rollout stuck: ProgressDeadlineExceeded: ReplicaSet "
                                       "\"ecommerce-backend-5c8d7f9b4\" has timed out progressing."));
  CHECK(Obs(r, "pods_image_pull") == 1);
}

TEST_CASE("k8s_workload: fewer available replicas than desired", "[k8s_workload]") {
  const std::string unscheduled = R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "ecommerce-backend-7d9f8b6c5-z4v8b", "namespace": "production",
                 "labels": {"app": "ecommerce-backend"}},
    "spec": {"containers": [{"image": "registry.example.com/ecommerce-backend:2.14.1", "name": "app"}]},
    "status": {
      "conditions": [{"lastProbeTime": null, "lastTransitionTime": "2027-01-15T07:50:00Z",
                      "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
                      "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}],
      "phase": "Pending", "qosClass": "Burstable"
    }
  })";
  SECTION("default min_available: spec.replicas") {
    const auto r =
        Assess(DeploymentWith(2), ListOf({Pod("ecommerce-backend-7d9f8b6c5-q8w2n", "Running", kRunning),
                                          Pod("ecommerce-backend-7d9f8b6c5-m3z7t", "Running", kRunning), unscheduled}));
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kReplicasUnavailable);
    CHECK(r.detail ==
          "deployment production/ecommerce-backend (revision 7): 2/3 replicas available; pod "
          "ecommerce-backend-7d9f8b6c5-z4v8b Pending: Unschedulable: 0/3 nodes are available: 3 Insufficient memory. "
          "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    CHECK(Obs(r, "replicas_available") == 2);
    CHECK(Obs(r, "replicas_unavailable") == 1);
  }
  SECTION("min_available: 2 accepts one missing") {
    WorkloadSpec spec;
    spec.min_available = 2;
    const auto r = Assess(DeploymentWith(2), ListOf({unscheduled}), spec);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK_THAT(r.detail, Catch::StartsWith("deployment production/ecommerce-backend (revision 7): 2/3 replicas "
                                           "available (min 2)"));
  }
  SECTION("no status at all: nothing available") {
    json::value d = json::parse(kDeployment);
    d.as_object().erase("status");
    const auto r = Assess(d, ListOf({}));
    CHECK(r.reason == ProbeReason::kReplicasUnavailable);
    CHECK_THAT(r.detail, Catch::EndsWith("0/3 replicas available, 0/3 updated; no pods"));
  }
}

TEST_CASE("k8s_workload: a Deployment scaled to 0 is healthy", "[k8s_workload]") {
  json::value d = json::parse(kDeployment);
  d.at("spec").as_object()["replicas"] = 0;
  d.at("status").as_object() = json::parse(R"({"observedGeneration": 10})").as_object();
  const auto r = Assess(d, ListOf({}));
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail == "deployment production/ecommerce-backend (revision 7): scaled to 0");
  CHECK(Obs(r, "replicas_desired") == 0);
}

TEST_CASE("k8s_workload: container errors and frequent restarts", "[k8s_workload]") {
  SECTION("restartCount at max_restarts with a recent exit") {
    const std::string restarting = R"({"name": "app", "ready": true, "restartCount": 5,
      "lastState": {"terminated": {"exitCode": 2, "finishedAt": "2027-01-15T07:59:00Z", "reason": "Error"}},
      "state": {"running": {"startedAt": "2027-01-15T07:59:01Z"}}})";
    const auto r =
        Assess(json::parse(kDeployment), ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", restarting)}));
    INFO(r.detail);
    CHECK(r.reason == ProbeReason::kContainerError);
    CHECK_THAT(r.detail, Catch::Contains("container app: running (5 restarts, last exit Error code 2 60s ago)"));
  }
  SECTION("many restarts long ago are history") {
    const std::string settled = R"({"name": "app", "ready": true, "restartCount": 40,
      "lastState": {"terminated": {"exitCode": 2, "finishedAt": "2027-01-14T22:00:00Z", "reason": "Error"}},
      "state": {"running": {"startedAt": "2027-01-14T22:00:01Z"}}})";
    const auto r =
        Assess(json::parse(kDeployment), ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", settled)}));
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(Obs(r, "container_restarts") == 40);
  }
  SECTION("an init container that exited with Error") {
    std::string pod = Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Pending", kRunning);
    json::value p = json::parse(pod);
    p.at("status").as_object()["initContainerStatuses"] = json::parse(R"([{"name": "migrate", "ready": false,
      "restartCount": 0, "state": {"terminated": {"exitCode": 3, "reason": "Error",
      "finishedAt": "2027-01-15T07:59:30Z"}}}])");
    const auto r = Assess(json::parse(kDeployment), ListOf({json::serialize(p)}));
    INFO(r.detail);
    CHECK(r.reason == ProbeReason::kContainerError);
    CHECK_THAT(r.detail, Catch::Contains("init container migrate: terminated Error code 3"));
  }
  SECTION("a pod being deleted during a rollout exits with Error: not a failure") {
    const std::string sigterm = R"({"name": "app", "ready": false, "restartCount": 0,
      "state": {"terminated": {"exitCode": 143, "finishedAt": "2027-01-15T07:59:50Z", "reason": "Error"}}})";
    json::value p = json::parse(Pod("ecommerce-backend-6b7c5d4e3-old01", "Running", sigterm));
    p.at("metadata").as_object()["deletionTimestamp"] = "2027-01-15T08:00:20Z";
    const auto r = Assess(json::parse(kDeployment), ListOf({json::serialize(p)}));
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kHealthy);
  }
  SECTION("a missing ConfigMap") {
    const std::string config_error = R"({"name": "app", "ready": false, "restartCount": 0,
      "state": {"waiting": {"message": "configmap \"ecommerce-backend-config\" not found",
                            "reason": "CreateContainerConfigError"}}})";
    const auto r =
        Assess(DeploymentWith(2), ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Pending", config_error)}));
    CHECK(r.reason == ProbeReason::kContainerError);
    CHECK_THAT(r.detail,
               Catch::Contains("CreateContainerConfigError: configmap \"ecommerce-backend-config\" not found"));
  }
}

TEST_CASE("k8s_workload: at most 5 pods are named", "[k8s_workload]") {
  std::string items;
  for (int i = 0; i < 7; ++i) {
    items += (items.empty() ? "" : ",") +
             Pod("ecommerce-backend-7d9f8b6c5-pod" + std::to_string(i), "Running", kCrashLoopAfterError);
  }
  const auto r = AssessWorkload(DeploymentWith(0), json::parse(R"({"items": [)" + items + "]}"), kNow, {});
  CHECK(Obs(r, "pods_crash_loop") == 7);
  CHECK(Obs(r, "container_restarts") == 84);
  CHECK_THAT(r.detail, Catch::Contains("pod ecommerce-backend-7d9f8b6c5-pod4 "));
  CHECK_THAT(r.detail, !Catch::Contains("pod5"));
  CHECK_THAT(r.detail, Catch::EndsWith("; +2 more pods with problems"));
}

TEST_CASE("k8s_workload: an answer that is not a list is an api_error", "[k8s_workload]") {
  const auto r = AssessWorkload(json::parse(kDeployment), json::parse(R"({"items": 5})"), kNow, {});
  CHECK(r.status == ProbeStatus::kUnknown);
  CHECK(r.reason == ProbeReason::kApiError);
}

TEST_CASE("k8s_workload: the probe reads the Deployment, then the pods of its selector", "[k8s_workload]") {
  testing::ManualClock clock;
  auto client = std::make_shared<k8stest::FakeClient>("production");
  const auto deps = k8stest::DepsWith(client, &clock);
  const std::string deployment_path = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
  const std::string pods_path = "/api/v1/namespaces/production/pods?labelSelector=app%3Decommerce-backend";

  SECTION("healthy; namespace from the connection's default") {
    client->AnswerJson(deployment_path, kDeployment);
    client->AnswerJson(pods_path, ListOf({Pod("ecommerce-backend-7d9f8b6c5-x2k4p", "Running", kCrashLoopAfterError)}));
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "deployment: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    INFO(out.result.detail);
    CHECK(out.result.reason == ProbeReason::kCrashLoop);
    CHECK(client->requests() == std::vector<std::string>{deployment_path, pods_path});
  }
  SECTION("a selector with expressions is rendered like client-go") {
    json::value d = json::parse(kDeployment);
    d.at("spec").as_object()["selector"] = json::parse(
        R"({"matchLabels": {"app": "ecommerce-backend"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]})");
    client->AnswerJson("/apis/apps/v1/namespaces/shop/deployments/ecommerce-backend", json::serialize(d));
    client->AnswerJson("/api/v1/namespaces/shop/pods?labelSelector=app%3Decommerce-backend%2Ctier+in+%28api%2Cweb%29",
                       ListOf({}));
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "namespace: shop\ndeployment: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    INFO(out.result.detail);
    CHECK(out.result.status == ProbeStatus::kHealthy);  // the pod list was found (empty)
    CHECK(client->requests().back() ==
          "/api/v1/namespaces/shop/pods?labelSelector=app%3Decommerce-backend%2Ctier+in+%28api%2Cweb%29");
  }
  SECTION("a missing Deployment is unhealthy not_found") {
    client->AnswerError(deployment_path, k8s::ErrorKind::kNotFound, 404,
                        "GET " + deployment_path + ": 404 NotFound: deployments.apps \"ecommerce-backend\" not found");
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "deployment: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kNotFound);
    CHECK(out.result.detail == "deployment production/ecommerce-backend not found (GET " + deployment_path +
                                   ": 404 NotFound: deployments.apps \"ecommerce-backend\" not found)");
    CHECK(client->requests().size() == 1);
  }
  SECTION("API errors are unknown, with the client's message") {
    struct Case {
      k8s::ErrorKind kind;
      ProbeReason reason;
    };
    for (const Case& c : {Case{k8s::ErrorKind::kForbidden, ProbeReason::kUnauthorized},
                          Case{k8s::ErrorKind::kUnauthorized, ProbeReason::kUnauthorized},
                          Case{k8s::ErrorKind::kCredentials, ProbeReason::kUnauthorized},
                          Case{k8s::ErrorKind::kTimeout, ProbeReason::kTimeout},
                          Case{k8s::ErrorKind::kCancelled, ProbeReason::kTimeout},
                          Case{k8s::ErrorKind::kTransport, ProbeReason::kConnectionFailed},
                          Case{k8s::ErrorKind::kServerError, ProbeReason::kApiError},
                          Case{k8s::ErrorKind::kTooManyRequests, ProbeReason::kApiError},
                          Case{k8s::ErrorKind::kBadResponse, ProbeReason::kApiError}}) {
      client->AnswerError(deployment_path, c.kind, 0, "GET " + deployment_path + ": something went wrong");
      auto probe = probetest::BuildProbe(MakeProbeFactory(), "deployment: ecommerce-backend\n", deps);
      const auto out = probetest::RunOnce(*probe);
      CHECK(out.result.status == ProbeStatus::kUnknown);
      CHECK(out.result.reason == c.reason);
      CHECK(out.result.detail == "GET " + deployment_path + ": something went wrong");
    }
  }
  SECTION("a 404 on the pod list is an api_error, not a missing Deployment") {
    client->AnswerJson(deployment_path, kDeployment);
    auto probe = probetest::BuildProbe(MakeProbeFactory(), "deployment: ecommerce-backend\n", deps);
    const auto out = probetest::RunOnce(*probe);
    CHECK(out.result.status == ProbeStatus::kUnknown);
    CHECK(out.result.reason == ProbeReason::kApiError);
  }
}

TEST_CASE("k8s_workload: config errors", "[k8s_workload]") {
  testing::ManualClock clock;
  const auto deps = k8stest::DepsWith(std::make_shared<k8stest::FakeClient>(), &clock);
  const auto factory = MakeProbeFactory();
  CHECK(k8stest::SpecErrors(factory, "namespace: production\n", deps) ==
        "t.yaml:1:1: (root): missing required key \"deployment\"\n");
  CHECK(k8stest::SpecErrors(factory, "", deps) ==
        "t.yaml:1:1: (root): the k8s_workload probe needs a spec with at least \"deployment\"\n");
  CHECK(k8stest::SpecErrors(factory, "deployment: web\n", ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type k8s_workload needs a connection of type kubernetes (set connection: NAME)\n");
  CHECK(k8stest::SpecErrors(factory, "deployment: Web/x\n", deps) ==
        "t.yaml:1:13: deployment: \"Web/x\" is not a Kubernetes object name (lower-case letters, digits, '-' and "
        "'.')\n");
  CHECK(k8stest::SpecErrors(factory, "deployment: web\nwindow: soon\nmax_restarts: 0\n", deps) ==
        "t.yaml:2:9: window: invalid duration \"soon\" (use a number and a unit: 500ms, 15s, 5m, 1h)\n"
        "t.yaml:3:15: max_restarts: must be between 1 and 9223372036854775807, got 0\n");
  CHECK(k8stest::SpecErrors(factory, "deployment: web\nmax_restart: 2\n", deps) ==
        "t.yaml:2:1: max_restart: unknown key \"max_restart\" (did you mean \"max_restarts\"?)\n");
  CHECK(k8stest::SpecErrors(factory,
                            "deployment: web\nnamespace: production\nmin_available: 2\nmax_restarts: 3\n"
                            "window: 5m\n",
                            deps)
            .empty());
}
