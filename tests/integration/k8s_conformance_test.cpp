// Conformance with the real kubectl: the same starting state in two fakes, kubectl acts on one,
// runbookd's native action on the other, and the resulting objects must be identical (ignoring
// resourceVersion and timestamps, which FakeKube::Snapshot masks). Run for kubectl 1.29 and 1.33,
// chosen by the fakes' /version (protocol-facts §0).
#include <catch2/catch.hpp>
#include <filesystem>

#include "daemon/core/clock.hpp"
#include "remediations/k8s_delete_pod/k8s_delete_pod_action.hpp"
#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"
#include "remediations/k8s_rollout_undo/k8s_rollout_undo_action.hpp"
#include "remediations/k8s_scale/k8s_scale_action.hpp"
#include "tests/integration/k8s_conformance_support.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/kubectl.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace fx = runbookd::testing::kube_fixtures;

namespace {

// Two fakes with identical state (uids, resourceVersions and the uid seed included).
struct Twins {
  explicit Twins(const std::string& minor) : kubectl_side(Options(minor)), native_side(Options(minor)) {}
  static FakeKubeOptions Options(const std::string& minor) {
    FakeKubeOptions o;
    o.version_minor = minor;
    o.auth = KubeAuth::kBearerToken;
    return o;
  }
  void Seed(const std::function<void(FakeKube&)>& load) {
    load(kubectl_side);
    native_side.LoadState(kubectl_side.DumpState());
    REQUIRE(CanonicalJsonText(kubectl_side.Snapshot()) == CanonicalJsonText(native_side.Snapshot()));
    before = CanonicalJsonText(kubectl_side.Snapshot());
  }
  KubectlResult Kubectl(const std::vector<std::string>& args) {
    std::filesystem::create_directories(dir.path() + "/kubectl");
    return RunKubectl(kubectl_side.WriteKubeconfig(dir.path() + "/kubectl"), args);
  }
  NativeRun Native(const ActionFactory& factory, const std::string& spec) {
    TempDir client_dir;
    auto client = ClientFor(native_side, client_dir, clock);
    return RunNative(factory, spec, client, clock);
  }
  void RequireIdentical() {
    const std::string a = CanonicalJsonText(kubectl_side.Snapshot());
    const std::string b = CanonicalJsonText(native_side.Snapshot());
    INFO("kubectl side:\n" << a << "\nrunbookd side:\n" << b);
    REQUIRE(a == b);
  }
  // The User-Agent proves which kubectl release the dispatcher ran.
  void RequireKubectlVersion(const std::string& minor) {
    bool seen = false;
    for (const auto& r : kubectl_side.ApiRequests()) {
      seen = seen || r.user_agent.find("kubectl.1." + minor) != std::string::npos ||
             r.user_agent.find("kubectl/v1." + minor + ".") != std::string::npos;
    }
    REQUIRE(seen);
  }

  TempDir dir;
  SystemClock clock;
  FakeKube kubectl_side;
  FakeKube native_side;
  std::string before;
};

const std::string kDeploymentRef = std::string("deployment/") + fx::kDeployment;

std::string Spec(const std::string& extra = "") {
  return std::string("namespace: production\ndeployment: ecommerce-backend\n") + extra;
}

std::string MinorUnderTest() {
  auto minor = GENERATE(as<std::string>{}, "29", "33");
  if (!KubectlAvailable(minor)) FAIL("kubectl 1." << minor << " is not installed");
  return minor;
}

}  // namespace

TEST_CASE("conformance: rollout undo to the previous revision leaves the same objects as kubectl") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadDeploymentWithHistory(k); });
  auto kubectl = t.Kubectl({"rollout", "undo", kDeploymentRef, "-n", "production"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  CHECK(kubectl.out.find("rolled back") != std::string::npos);
  t.RequireKubectlVersion(minor);
  auto native = t.Native(remediations::k8s_rollout_undo::MakeActionFactory(), Spec());
  REQUIRE(native.outcome.has_value());
  INFO(native.outcome->detail);
  REQUIRE(native.outcome->ok);
  t.RequireIdentical();
  auto dep = t.native_side.Get("Deployment", "production", fx::kDeployment);
  REQUIRE(dep);
  CHECK(boost::json::serialize((*dep)["spec"]).find(fx::ImageForRevision(fx::kDeployment, 2)) != std::string::npos);
  CHECK(t.before != CanonicalJsonText(t.native_side.Snapshot()));
}

TEST_CASE("conformance: rollout undo --to-revision=1 leaves the same objects as kubectl") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadDeploymentWithHistory(k); });
  auto kubectl = t.Kubectl({"rollout", "undo", kDeploymentRef, "-n", "production", "--to-revision=1"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  auto native = t.Native(remediations::k8s_rollout_undo::MakeActionFactory(), Spec("to_revision: 1\n"));
  REQUIRE(native.outcome.has_value());
  REQUIRE(native.outcome->ok);
  t.RequireIdentical();
  auto dep = t.native_side.Get("Deployment", "production", fx::kDeployment);
  CHECK(boost::json::serialize((*dep)["spec"]).find(fx::ImageForRevision(fx::kDeployment, 1)) != std::string::npos);
}

TEST_CASE("conformance: rollout undo of a paused Deployment is refused by both, nothing changes") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) {
    fx::DeploymentFixtureOptions o;
    o.paused = true;
    fx::LoadDeploymentWithHistory(k, o);
  });
  auto kubectl = t.Kubectl({"rollout", "undo", kDeploymentRef, "-n", "production"});
  CHECK(kubectl.exit_code != 0);
  CHECK(kubectl.err.find("you cannot rollback a paused deployment") != std::string::npos);
  auto native = t.Native(remediations::k8s_rollout_undo::MakeActionFactory(), Spec());
  CHECK(native.plan.verdict == OutcomeReason::kRefused);
  CHECK(native.plan.summary.find("you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
                                 "resume' and try again") != std::string::npos);
  CHECK_FALSE(native.outcome.has_value());
  t.RequireIdentical();
  CHECK(t.before == CanonicalJsonText(t.native_side.Snapshot()));
}

TEST_CASE("conformance: rollout undo to the running revision is skipped by both, nothing changes") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadDeploymentWithHistory(k); });
  auto kubectl = t.Kubectl({"rollout", "undo", kDeploymentRef, "-n", "production", "--to-revision=3"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  CHECK(kubectl.out.find("skipped rollback (current template already matches revision 3)") != std::string::npos);
  auto native = t.Native(remediations::k8s_rollout_undo::MakeActionFactory(), Spec("to_revision: 3\n"));
  CHECK(native.plan.verdict == OutcomeReason::kNoop);
  CHECK(native.plan.summary.find("skipped rollback (current template already matches revision 3)") !=
        std::string::npos);
  t.RequireIdentical();
  CHECK(t.before == CanonicalJsonText(t.native_side.Snapshot()));
}

TEST_CASE("conformance: rollout restart leaves the same objects as kubectl") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadDeploymentWithHistory(k); });
  auto kubectl = t.Kubectl({"rollout", "restart", kDeploymentRef, "-n", "production"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  auto native = t.Native(remediations::k8s_rollout_restart::MakeActionFactory(), Spec());
  REQUIRE(native.outcome.has_value());
  INFO(native.outcome->detail);
  REQUIRE(native.outcome->ok);
  t.RequireIdentical();
  const std::string after = CanonicalJsonText(t.native_side.Snapshot());
  CHECK(after.find("kubectl.kubernetes.io/restartedAt") != std::string::npos);
}

TEST_CASE("conformance: rollout restart of a paused Deployment is refused by both, nothing changes") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) {
    fx::DeploymentFixtureOptions o;
    o.paused = true;
    fx::LoadDeploymentWithHistory(k, o);
  });
  auto kubectl = t.Kubectl({"rollout", "restart", kDeploymentRef, "-n", "production"});
  CHECK(kubectl.exit_code != 0);
  CHECK(kubectl.err.find("can't restart paused deployment (run rollout resume first)") != std::string::npos);
  auto native = t.Native(remediations::k8s_rollout_restart::MakeActionFactory(), Spec());
  CHECK(native.plan.verdict == OutcomeReason::kRefused);
  CHECK(native.plan.summary.find("can't restart paused deployment (run rollout resume first)") != std::string::npos);
  t.RequireIdentical();
  CHECK(t.before == CanonicalJsonText(t.native_side.Snapshot()));
}

TEST_CASE("conformance: scale leaves the same objects as kubectl") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadDeploymentWithHistory(k); });
  auto kubectl = t.Kubectl({"scale", kDeploymentRef, "-n", "production", "--replicas=5"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  auto native = t.Native(remediations::k8s_scale::MakeActionFactory(), Spec("replicas: 5\n"));
  REQUIRE(native.outcome.has_value());
  REQUIRE(native.outcome->ok);
  t.RequireIdentical();
  auto dep = t.native_side.Get("Deployment", "production", fx::kDeployment);
  CHECK((*dep)["spec"].as_object()["replicas"].to_number<int>() == 5);
}

TEST_CASE("conformance: delete pod leaves the same objects as kubectl") {
  const std::string minor = MinorUnderTest();
  Twins t(minor);
  t.Seed([](FakeKube& k) { fx::LoadStandardCluster(k); });
  // The CrashLoopBackOff pod: kubectl by name, runbookd by selector + state.
  std::string crashing;
  for (const auto& pod : t.kubectl_side.List("Pod", "production")) {
    const auto dump = boost::json::serialize(pod);
    if (dump.find("CrashLoopBackOff") != std::string::npos)
      crashing = pod.at("metadata").at("name").as_string().c_str();
  }
  REQUIRE_FALSE(crashing.empty());
  auto kubectl = t.Kubectl({"delete", "pod", crashing, "-n", "production"});
  INFO(kubectl.err);
  REQUIRE(kubectl.exit_code == 0);
  SECTION("by name") {
    auto native =
        t.Native(remediations::k8s_delete_pod::MakeActionFactory(), "namespace: production\nname: " + crashing + "\n");
    REQUIRE(native.outcome.has_value());
    REQUIRE(native.outcome->ok);
    t.RequireIdentical();
  }
  SECTION("by selector and state") {
    auto native = t.Native(remediations::k8s_delete_pod::MakeActionFactory(),
                           "namespace: production\nselector: { app: ecommerce-backend }\nstate: CrashLoopBackOff\n"
                           "max_pods: 5\n");
    REQUIRE(native.outcome.has_value());
    REQUIRE(native.outcome->ok);
    t.RequireIdentical();
  }
  CHECK_FALSE(t.native_side.Get("Pod", "production", crashing).has_value());
}
