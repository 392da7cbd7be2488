#pragma once

// Realistic Kubernetes objects for FakeKube, shaped as `kubectl get -o json` shows them from a
// real cluster (server-defaulted fields included), with fixed uids and times so that two fakes
// loaded with the same fixtures hold identical state.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/fake_kube.hpp"

namespace runbookd::testing::kube_fixtures {

inline constexpr const char* kNamespace = "production";
inline constexpr const char* kDeployment = "ecommerce-backend";

// A fixed uid, shaped like the server's random ones, derived from `what` ("Pod/production/x").
std::string FixedUid(std::string_view what);

// ---- a Deployment with its rollout history ----

struct DeploymentFixtureOptions {
  std::string ns = kNamespace;
  std::string name = kDeployment;
  int revisions = 3;  // ReplicaSets with revisions 1..N; the Deployment runs revision N
  int replicas = 3;
  bool paused = false;
  bool progress_deadline_exceeded = false;  // Progressing=False, reason ProgressDeadlineExceeded
  // An annotation only the Deployment carries (kubectl rollout undo drops it), and the
  // last-applied-configuration that kubectl apply leaves (kept by rollout undo).
  std::string custom_annotation = "deployment-only";
};

struct DeploymentWithHistory {
  boost::json::object deployment;
  std::vector<boost::json::object> replica_sets;  // revision 1 first
  std::string uid;                                // the Deployment's
};

// "registry.example.com/ecommerce-backend:1.<revision>.0": every revision runs another image.
std::string ImageForRevision(const std::string& name, int revision);
// The pod template of a revision as it is in the Deployment (no pod-template-hash label).
boost::json::object PodTemplateForRevision(const std::string& name, int revision);
// The pod-template-hash the fake's controller gives that template (also the fixtures' RS names).
std::string TemplateHash(const boost::json::object& pod_template);

DeploymentWithHistory MakeDeploymentWithHistory(const DeploymentFixtureOptions& options = {});
// Puts the Deployment and its ReplicaSets into the fake.
DeploymentWithHistory LoadDeploymentWithHistory(FakeKube& kube, const DeploymentFixtureOptions& options = {});
// The same, with the newest ReplicaSet created a minute ago (by the wall clock): a recent rollout,
// as `recent_rollout` conditions see it.
DeploymentWithHistory LoadRecentRollout(FakeKube& kube);

// ---- pods ----

enum class PodState {
  kRunningReady,
  kCrashLoopBackOff,  // phase Running, waiting CrashLoopBackOff, lastState.terminated (Error, exit 1)
  kOOMKilled,         // running again after lastState.terminated reason OOMKilled (exit 137)
  kImagePullBackOff,  // phase Pending
  kErrImagePull,      // phase Pending
};

struct PodOptions {
  std::string name;
  PodState state = PodState::kRunningReady;
  std::string ns = kNamespace;
  std::string app = kDeployment;
  std::string node = "node-1";
  std::string image = "registry.example.com/ecommerce-backend:1.3.0";
};

boost::json::object MakePod(const PodOptions& options);

// ---- nodes ----

enum class NodeState { kReady, kNotReady, kMemoryPressure };
boost::json::object MakeNode(const std::string& name, NodeState state);

// ---- services ----

enum class EndpointsState {
  kReady,     // two ready addresses
  kNotReady,  // two addresses, none ready
  kNone,      // no addresses at all
};

struct ServiceObjects {
  boost::json::object service;
  boost::json::object endpoints;
  boost::json::object endpoint_slice;
};

ServiceObjects MakeService(const std::string& name, EndpointsState state, const std::string& ns = kNamespace);

// ---- events ----

struct EventOptions {
  std::string ns = kNamespace;
  std::string type = "Warning";  // or "Normal"
  std::string reason = "BackOff";
  std::string message = "Back-off restarting failed container backend in pod ecommerce-backend-0";
  std::string involved_kind = "Pod";
  std::string involved_name = "ecommerce-backend-0";
  std::string first_timestamp = "2024-05-01T09:50:00Z";
  std::string last_timestamp = "2024-05-01T10:00:00Z";
  int count = 1;
  std::string component = "kubelet";
};

boost::json::object MakeEvent(const EventOptions& options);

boost::json::object MakeNamespace(const std::string& name);

// The whole "production" picture: namespace, the Deployment with 3 revisions, one pod in each
// state, three nodes (Ready, NotReady, MemoryPressure), three services (ready, not ready, no
// endpoints) and Warning/Normal events.
void LoadStandardCluster(FakeKube& kube);

}  // namespace runbookd::testing::kube_fixtures
