// `kubectl rollout status` and runbookd's k8s_rollout_status read the same Deployment states the
// same way: the same message, and the same verdict (done, waiting, failed).
#include <catch2/catch.hpp>

#include "remediations/k8s_rollout_status/k8s_rollout_status_action.hpp"
#include "remediations/k8s_rollout_status/rollout_status.hpp"
#include "tests/integration/k8s_conformance_support.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/kubectl.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace fx = runbookd::testing::kube_fixtures;
namespace json = boost::json;

namespace {

struct StatusCase {
  const char* name;
  int64_t generation;
  int64_t observed_generation;
  int64_t replicas;  // spec
  int64_t status_replicas;
  int64_t updated;
  int64_t available;
  bool deadline_exceeded;
};

const StatusCase kCases[] = {
    {"complete", 4, 4, 3, 3, 3, 3, false},
    {"spec update not observed", 5, 4, 3, 3, 3, 3, false},
    {"progress deadline exceeded", 4, 4, 3, 3, 1, 1, true},
    {"new replicas being updated", 4, 4, 3, 3, 1, 1, false},
    {"old replicas pending termination", 4, 4, 3, 4, 3, 3, false},
    {"updated replicas not yet available", 4, 4, 3, 3, 3, 2, false},
};

json::object WithState(json::object dep, const StatusCase& c) {
  dep["metadata"].as_object()["generation"] = c.generation;
  dep["spec"].as_object()["replicas"] = c.replicas;
  json::object& status = dep["status"].as_object();
  status["observedGeneration"] = c.observed_generation;
  status["replicas"] = c.status_replicas;
  status["updatedReplicas"] = c.updated;
  status["availableReplicas"] = c.available;
  status["readyReplicas"] = c.available;
  json::array conditions;
  conditions.push_back(json::object{{"type", "Available"},
                                    {"status", c.available >= c.replicas ? "True" : "False"},
                                    {"reason", "MinimumReplicasAvailable"}});
  conditions.push_back(
      json::object{{"type", "Progressing"},
                   {"status", c.deadline_exceeded ? "False" : "True"},
                   {"reason", c.deadline_exceeded ? "ProgressDeadlineExceeded" : "ReplicaSetUpdated"}});
  status["conditions"] = std::move(conditions);
  return dep;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("conformance: kubectl rollout status and k8s_rollout_status agree on a table of Deployment states") {
  auto minor = GENERATE(as<std::string>{}, "29", "33");
  if (!KubectlAvailable(minor)) FAIL("kubectl 1." << minor << " is not installed");
  for (const auto& c : kCases) {
    DYNAMIC_SECTION(c.name << " with kubectl 1." << minor) {
      FakeKubeOptions options;
      options.version_minor = minor;
      options.auth = KubeAuth::kBearerToken;
      FakeKube kube(options);
      auto loaded = fx::LoadDeploymentWithHistory(kube);
      kube.SetDeploymentController(false);
      kube.Put(WithState(loaded.deployment, c));
      const auto stored = kube.Get("Deployment", "production", fx::kDeployment);
      REQUIRE(stored);

      TempDir dir;
      auto kubectl = RunKubectl(kube.WriteKubeconfig(dir.path()), {"rollout", "status", "deployment/ecommerce-backend",
                                                                   "-n", "production", "--watch=false"});
      const auto native = remediations::k8s_rollout_status::EvaluateRolloutStatus(json::value(*stored));
      INFO("kubectl exit " << kubectl.exit_code << "\nout: " << kubectl.out << "\nerr: " << kubectl.err);
      INFO("runbookd: " << native.message);
      if (native.error) {
        CHECK(kubectl.exit_code != 0);
        CHECK(Trim(kubectl.err).find(native.message) != std::string::npos);
      } else {
        CHECK(kubectl.exit_code == 0);
        CHECK(Trim(kubectl.out) == native.message);
      }
      CHECK(native.done == (std::string(c.name) == "complete"));
    }
  }
}

TEST_CASE("k8s_rollout_status as a verification step: done, failed, and timed out while waiting") {
  FakeKubeOptions options;
  options.auth = KubeAuth::kBearerToken;
  FakeKube kube(options);
  auto loaded = fx::LoadDeploymentWithHistory(kube);
  kube.SetDeploymentController(false);
  SystemClock clock;
  TempDir dir;
  auto client = ClientFor(kube, dir, clock);
  const std::string spec = "namespace: production\ndeployment: ecommerce-backend\ntimeout: 1s\npoll_interval: 100ms\n";
  SECTION("complete") {
    kube.Put(WithState(loaded.deployment, kCases[0]));
    auto run = RunNative(remediations::k8s_rollout_status::MakeActionFactory(), spec, client, clock);
    REQUIRE(run.outcome);
    CHECK(run.outcome->ok);
    CHECK(run.outcome->detail.find("successfully rolled out") != std::string::npos);
  }
  SECTION("progress deadline exceeded") {
    kube.Put(WithState(loaded.deployment, kCases[2]));
    auto run = RunNative(remediations::k8s_rollout_status::MakeActionFactory(), spec, client, clock);
    REQUIRE(run.outcome);
    CHECK(run.outcome->reason == OutcomeReason::kVerifyFailed);
    CHECK(run.outcome->detail.find("exceeded its progress deadline") != std::string::npos);
  }
  SECTION("still rolling out when the timeout passes") {
    kube.Put(WithState(loaded.deployment, kCases[3]));
    auto run = RunNative(remediations::k8s_rollout_status::MakeActionFactory(), spec, client, clock);
    REQUIRE(run.outcome);
    CHECK(run.outcome->reason == OutcomeReason::kTimeout);
    CHECK(run.outcome->detail.find("new replicas have been updated") != std::string::npos);
  }
}
