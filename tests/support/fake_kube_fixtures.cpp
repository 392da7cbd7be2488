// Workload fixtures: the Deployment with its ReplicaSet history, and pods in the states a
// runbook looks at. Cluster-level fixtures (nodes, services, events) are in
// fake_kube_fixtures_cluster.cpp.

#include "tests/support/fake_kube_fixtures.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::kube_fixtures {

namespace json = boost::json;

std::string FixedUid(std::string_view what) {
  uint64_t high = 14695981039346656037ull, low = 0x84222325cbf29ce4ull;
  for (unsigned char c : what) {
    high = (high ^ c) * 1099511628211ull;
    low = (low ^ c) * 0x100000001b3ull + 7;
  }
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffull));
  return text;
}

std::string ImageForRevision(const std::string& name, int revision) {
  return "registry.example.com/" + name + ":1." + std::to_string(revision) + ".0";
}

json::object PodTemplateForRevision(const std::string& name, int revision) {
  json::object container{
      {"name", "backend"},
      {"image", ImageForRevision(name, revision)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array{json::object{{"containerPort", 8080}, {"name", "http"}, {"protocol", "TCP"}}}},
      {"env", json::array{json::object{{"name", "LOG_LEVEL"}, {"value", "info"}}}},
      {"readinessProbe",
       json::object{{"httpGet", json::object{{"path", "/healthz"}, {"port", 8080}, {"scheme", "HTTP"}}},
                    {"periodSeconds", 10},
                    {"timeoutSeconds", 1},
                    {"successThreshold", 1},
                    {"failureThreshold", 3}}},
      {"resources", json::object{{"limits", json::object{{"memory", "512Mi"}}},
                                 {"requests", json::object{{"cpu", "250m"}, {"memory", "256Mi"}}}}},
      {"terminationMessagePath", "/dev/termination-log"},
      {"terminationMessagePolicy", "File"}};
  return {{"metadata", json::object{{"creationTimestamp", nullptr}, {"labels", json::object{{"app", name}}}}},
          {"spec", json::object{{"containers", json::array{container}},
                                {"dnsPolicy", "ClusterFirst"},
                                {"restartPolicy", "Always"},
                                {"schedulerName", "default-scheduler"},
                                {"securityContext", json::object()},
                                {"terminationGracePeriodSeconds", 30}}}};
}

std::string TemplateHash(const json::object& pod_template) { return fake_kube::PodTemplateHash(pod_template); }

namespace {

std::string Day(int day, const std::string& time = "09:00:00") {
  return "2024-04-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "T" + time + "Z";
}

json::object Condition(const std::string& type, const std::string& status, const std::string& reason,
                       const std::string& message, const std::string& time) {
  return {{"type", type},     {"status", status},  {"lastUpdateTime", time}, {"lastTransitionTime", time},
          {"reason", reason}, {"message", message}};
}

json::object ReplicaSetFor(const DeploymentFixtureOptions& options, const std::string& deployment_uid, int revision) {
  const bool current = revision == options.revisions;
  json::object pod_template = PodTemplateForRevision(options.name, revision);
  const std::string hash = TemplateHash(pod_template);
  pod_template["metadata"].as_object()["labels"].as_object()["pod-template-hash"] = hash;
  const std::string name = options.name + "-" + hash;
  json::object annotations{{"deployment.kubernetes.io/desired-replicas", std::to_string(options.replicas)},
                           {"deployment.kubernetes.io/max-replicas", std::to_string(options.replicas + 1)},
                           {"deployment.kubernetes.io/revision", std::to_string(revision)},
                           {"rs-note", "from-revision-" + std::to_string(revision)}};
  // The controller copies the Deployment's own annotations to the ReplicaSet it runs.
  if (current && !options.custom_annotation.empty()) annotations["custom"] = options.custom_annotation;
  const int replicas = current ? options.replicas : 0;
  json::object status{{"replicas", replicas}, {"observedGeneration", current ? 1 : 2}};
  if (current) {
    const int ready = options.progress_deadline_exceeded ? replicas - 1 : replicas;
    status["fullyLabeledReplicas"] = replicas;
    status["readyReplicas"] = ready;
    status["availableReplicas"] = ready;
  }
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", json::object{{"name", name},
                                    {"namespace", options.ns},
                                    {"uid", FixedUid("ReplicaSet/" + options.ns + "/" + name)},
                                    {"generation", current ? 1 : 2},
                                    {"creationTimestamp", Day(revision)},
                                    {"labels", json::object{{"app", options.name}, {"pod-template-hash", hash}}},
                                    {"annotations", std::move(annotations)},
                                    {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                                                 {"kind", "Deployment"},
                                                                                 {"name", options.name},
                                                                                 {"uid", deployment_uid},
                                                                                 {"controller", true},
                                                                                 {"blockOwnerDeletion", true}}}}}},
          {"spec", json::object{{"replicas", replicas},
                                {"selector", json::object{{"matchLabels", json::object{{"app", options.name},
                                                                                       {"pod-template-hash", hash}}}}},
                                {"template", std::move(pod_template)}}},
          {"status", std::move(status)}};
}

json::object DeploymentStatus(const DeploymentFixtureOptions& options, const std::string& current_rs, int generation) {
  const std::string time = Day(options.revisions, "09:05:00");
  json::array conditions;
  json::object status{{"observedGeneration", generation}, {"replicas", options.replicas}};
  if (options.progress_deadline_exceeded) {
    status["updatedReplicas"] = options.replicas;
    status["readyReplicas"] = options.replicas - 1;
    status["availableReplicas"] = options.replicas - 1;
    status["unavailableReplicas"] = 1;
    conditions.push_back(
        Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", time));
    conditions.push_back(Condition("Progressing", "False", "ProgressDeadlineExceeded",
                                   "ReplicaSet \"" + current_rs + "\" has timed out progressing.", time));
  } else {
    status["updatedReplicas"] = options.replicas;
    status["readyReplicas"] = options.replicas;
    status["availableReplicas"] = options.replicas;
    conditions.push_back(
        Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", time));
    if (options.paused) {
      conditions.push_back(Condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", time));
    } else {
      conditions.push_back(Condition("Progressing", "True", "NewReplicaSetAvailable",
                                     "ReplicaSet \"" + current_rs + "\" has successfully progressed.", time));
    }
  }
  status["conditions"] = std::move(conditions);
  return status;
}

}  // namespace

DeploymentWithHistory MakeDeploymentWithHistory(const DeploymentFixtureOptions& options) {
  DeploymentWithHistory out;
  out.uid = FixedUid("Deployment/" + options.ns + "/" + options.name);
  for (int revision = 1; revision <= options.revisions; ++revision) {
    out.replica_sets.push_back(ReplicaSetFor(options, out.uid, revision));
  }
  const std::string current_rs =
      out.replica_sets.empty() ? "" : std::string(out.replica_sets.back()["metadata"].as_object()["name"].as_string());
  const json::object selector{{"matchLabels", json::object{{"app", options.name}}}};
  json::object spec{
      {"replicas", options.replicas},
      {"revisionHistoryLimit", 10},
      {"progressDeadlineSeconds", 600},
      {"selector", selector},
      {"strategy", json::object{{"type", "RollingUpdate"},
                                {"rollingUpdate", json::object{{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}},
      {"template", PodTemplateForRevision(options.name, options.revisions)}};
  if (options.paused) spec["paused"] = true;
  const json::object applied{{"apiVersion", "apps/v1"},
                             {"kind", "Deployment"},
                             {"metadata", json::object{{"name", options.name}, {"namespace", options.ns}}},
                             {"spec", json::object{{"replicas", options.replicas}, {"selector", selector}}}};
  json::object annotations{{"deployment.kubernetes.io/revision", std::to_string(options.revisions)},
                           {"kubectl.kubernetes.io/last-applied-configuration", json::serialize(applied) + "\n"}};
  if (!options.custom_annotation.empty()) annotations["custom"] = options.custom_annotation;
  const int generation = options.revisions + (options.paused ? 1 : 0);
  out.deployment = {{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"metadata", json::object{{"name", options.name},
                                              {"namespace", options.ns},
                                              {"uid", out.uid},
                                              {"generation", generation},
                                              {"creationTimestamp", Day(1)},
                                              {"labels", json::object{{"app", options.name}, {"team", "checkout"}}},
                                              {"annotations", std::move(annotations)}}},
                    {"spec", std::move(spec)},
                    {"status", DeploymentStatus(options, current_rs, generation)}};
  return out;
}

DeploymentWithHistory LoadDeploymentWithHistory(FakeKube& kube, const DeploymentFixtureOptions& options) {
  DeploymentWithHistory made = MakeDeploymentWithHistory(options);
  made.deployment = kube.Put(made.deployment);
  for (auto& rs : made.replica_sets) rs = kube.Put(rs);
  return made;
}

DeploymentWithHistory LoadRecentRollout(FakeKube& kube) {
  DeploymentWithHistory loaded = LoadDeploymentWithHistory(kube);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) - 60;
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  json::object current = loaded.replica_sets.back();
  current["metadata"].as_object()["creationTimestamp"] = created;
  kube.Put(std::move(current));
  return loaded;
}

json::object MakePod(const PodOptions& options) {
  const std::string started = "2024-05-01T09:00:00Z";
  const std::string container_id = "containerd://" + FixedUid("container/" + options.name).substr(0, 8) + "0d1e2f";
  json::object container_status{{"name", "backend"}, {"image", options.image}, {"imageID", ""},
                                {"ready", false},    {"restartCount", 0},      {"started", false}};
  json::object ready_condition{{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", started}};
  std::string phase = "Running";
  switch (options.state) {
    case PodState::kRunningReady:
      container_status["ready"] = true;
      container_status["started"] = true;
      container_status["imageID"] = options.image + "@sha256:4b1d";
      container_status["containerID"] = container_id;
      container_status["state"] = json::object{{"running", json::object{{"startedAt", started}}}};
      ready_condition["status"] = "True";
      break;
    case PodState::kCrashLoopBackOff:
      container_status["restartCount"] = 7;
      container_status["imageID"] = options.image + "@sha256:4b1d";
      container_status["containerID"] = container_id;
      container_status["state"] = json::object{
          {"waiting",
           json::object{{"reason", "CrashLoopBackOff"},
                        {"message", "back-off 5m0s restarting failed container=backend pod=" + options.name + "_" +
                                        options.ns + "(" + FixedUid("Pod/" + options.ns + "/" + options.name) + ")"}}}};
      container_status["lastState"] = json::object{{"terminated", json::object{{"exitCode", 1},
                                                                               {"reason", "Error"},
                                                                               {"startedAt", "2024-05-01T09:54:40Z"},
                                                                               {"finishedAt", "2024-05-01T09:54:42Z"},
                                                                               {"containerID", container_id}}}};
      break;
    case PodState::kOOMKilled:
      container_status["restartCount"] = 3;
      container_status["ready"] = true;
      container_status["started"] = true;
      container_status["imageID"] = options.image + "@sha256:4b1d";
      container_status["containerID"] = container_id;
      container_status["state"] = json::object{{"running", json::object{{"startedAt", "2024-05-01T09:58:00Z"}}}};
      container_status["lastState"] = json::object{{"terminated", json::object{{"exitCode", 137},
                                                                               {"reason", "OOMKilled"},
                                                                               {"startedAt", "2024-05-01T09:40:00Z"},
                                                                               {"finishedAt", "2024-05-01T09:57:58Z"},
                                                                               {"containerID", container_id}}}};
      ready_condition["status"] = "True";
      break;
    case PodState::kImagePullBackOff:
    case PodState::kErrImagePull: {
      const bool backoff = options.state == PodState::kImagePullBackOff;
      phase = "Pending";
      container_status["state"] = json::object{
          {"waiting",
           json::object{{"reason", backoff ? "ImagePullBackOff" : "ErrImagePull"},
                        {"message", backoff ? "Back-off pulling image \"" + options.image + "\""
                                            : "rpc error: code = NotFound desc = failed to pull and unpack image \"" +
                                                  options.image + "\": not found"}}}};
      break;
    }
  }
  if (ready_condition["status"] == "False") {
    ready_condition["reason"] = "ContainersNotReady";
    ready_condition["message"] = "containers with unready status: [backend]";
  }
  json::object spec = PodTemplateForRevision(options.app, 3)["spec"].as_object();
  spec["containers"].as_array()[0].as_object()["image"] = options.image;
  spec["nodeName"] = options.node;
  spec["serviceAccountName"] = "default";
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", json::object{{"name", options.name},
                                    {"namespace", options.ns},
                                    {"uid", FixedUid("Pod/" + options.ns + "/" + options.name)},
                                    {"creationTimestamp", started},
                                    {"labels", json::object{{"app", options.app}}}}},
          {"spec", std::move(spec)},
          {"status",
           json::object{
               {"phase", phase},
               {"conditions",
                json::array{json::object{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", started}},
                            ready_condition}},
               {"hostIP", "10.0.1.11"},
               {"podIP", "10.244.1." + std::to_string(10 + options.name.size())},
               {"qosClass", "Burstable"},
               {"startTime", started},
               {"containerStatuses", json::array{container_status}}}}};
}

}  // namespace runbookd::testing::kube_fixtures
