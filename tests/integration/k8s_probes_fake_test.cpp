// The cluster probes against the fake API server (held to kubectl): the runbook's failure states
// are detected through the real client, paths and queries.
#include <catch2/catch.hpp>
#include <ctime>

#include "daemon/core/probe.hpp"
#include "probes/k8s_endpoints/k8s_endpoints_probe.hpp"
#include "probes/k8s_nodes/k8s_nodes_probe.hpp"
#include "probes/k8s_workload/k8s_workload_probe.hpp"
#include "tests/integration/k8s_conformance_support.hpp"
#include "tests/support/fake_kube_fixtures.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace fx = runbookd::testing::kube_fixtures;

namespace {

struct Cluster {
  Cluster() : kube(Options()) {}
  static FakeKubeOptions Options() {
    FakeKubeOptions o;
    o.auth = KubeAuth::kBearerToken;
    return o;
  }
  ProbeResult Run(const ProbeFactory& factory, const std::string& spec_yaml) {
    auto client = ClientFor(kube, dir, clock);
    config::Diagnostics diagnostics;
    auto doc = config::Document::Parse(spec_yaml, "spec.yaml", diagnostics);
    REQUIRE(doc.ok());
    auto probe = factory(doc.root(), ProbeDeps{&clock, NullLogger(), client, "fake"});
    doc.CheckUnknownKeys();
    INFO(diagnostics.Format());
    REQUIRE(probe != nullptr);
    REQUIRE(diagnostics.empty());
    boost::asio::io_context io;
    ProbeResult result;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          const ProbeContext ctx{io.get_executor(), std::chrono::steady_clock::now() + std::chrono::seconds(10)};
          result = co_await probe->Run(ctx);
        },
        boost::asio::detached);
    io.run();
    return result;
  }

  TempDir dir;
  SystemClock clock;
  FakeKube kube;
};

const std::string kWorkload = "namespace: production\ndeployment: ecommerce-backend\n";

}  // namespace

TEST_CASE("k8s_workload on the fake cluster: each pod failure of the runbook is named") {
  struct Case {
    fx::PodState state;
    ProbeReason reason;
  };
  const Case cases[] = {{fx::PodState::kCrashLoopBackOff, ProbeReason::kCrashLoop},
                        {fx::PodState::kOOMKilled, ProbeReason::kOomKilled},
                        {fx::PodState::kImagePullBackOff, ProbeReason::kImagePull},
                        {fx::PodState::kErrImagePull, ProbeReason::kImagePull}};
  for (const auto& c : cases) {
    Cluster cluster;
    fx::LoadDeploymentWithHistory(cluster.kube);
    cluster.kube.Put(fx::MakePod({.name = "ecommerce-backend-7d9f-ok", .state = fx::PodState::kRunningReady}));
    auto pod = fx::MakePod({.name = "ecommerce-backend-7d9f-bad", .state = c.state});
    if (c.state == fx::PodState::kCrashLoopBackOff) {
      // The case kubectl's STATUS column hides behind "Running": phase Running, container waiting.
      REQUIRE(pod["status"].as_object()["phase"] == "Running");
    }
    if (c.state == fx::PodState::kOOMKilled) {
      // The fixture's kill happened long ago; the probe counts only those within its window (10m).
      const auto recent = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) - 60;
      char text[32];
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&recent));
      for (auto& cs : pod["status"].as_object()["containerStatuses"].as_array()) {
        cs.as_object()["lastState"].as_object()["terminated"].as_object()["finishedAt"] = text;
      }
    }
    cluster.kube.Put(pod);
    auto result = cluster.Run(probes::k8s_workload::MakeProbeFactory(), kWorkload);
    INFO(result.detail);
    CHECK(result.status == ProbeStatus::kUnhealthy);
    CHECK(result.reason == c.reason);
    CHECK(result.detail.find("ecommerce-backend-7d9f-bad") != std::string::npos);
  }
}

TEST_CASE("k8s_workload on the fake cluster: a missing Deployment is unhealthy not_found") {
  Cluster cluster;
  auto result = cluster.Run(probes::k8s_workload::MakeProbeFactory(), kWorkload);
  CHECK(result.status == ProbeStatus::kUnhealthy);
  CHECK(result.reason == ProbeReason::kNotFound);
}

TEST_CASE("k8s_endpoints on the fake cluster: a Service without ready endpoints is detected from either source") {
  auto source = GENERATE(as<std::string>{}, "endpointslices", "endpoints");
  auto state = GENERATE(fx::EndpointsState::kNone, fx::EndpointsState::kNotReady, fx::EndpointsState::kReady);
  Cluster cluster;
  auto objects = fx::MakeService("ecommerce-backend", state);
  cluster.kube.Put(objects.service);
  cluster.kube.Put(objects.endpoints);
  cluster.kube.Put(objects.endpoint_slice);
  auto result = cluster.Run(probes::k8s_endpoints::MakeProbeFactory(),
                            "namespace: production\nservice: ecommerce-backend\nsource: " + source + "\n");
  INFO(source << ": " << result.detail);
  if (state == fx::EndpointsState::kReady) {
    CHECK(result.status == ProbeStatus::kHealthy);
  } else {
    CHECK(result.status == ProbeStatus::kUnhealthy);
    CHECK(result.reason == ProbeReason::kNoEndpoints);
  }
}

TEST_CASE("k8s_nodes on the fake cluster: a NotReady node is unhealthy, memory pressure is reported") {
  Cluster cluster;
  cluster.kube.Put(fx::MakeNode("node-1", fx::NodeState::kReady));
  cluster.kube.Put(fx::MakeNode("node-2", fx::NodeState::kNotReady));
  cluster.kube.Put(fx::MakeNode("node-3", fx::NodeState::kMemoryPressure));
  auto strict = cluster.Run(probes::k8s_nodes::MakeProbeFactory(), "max_not_ready: 0\n");
  INFO(strict.detail);
  CHECK(strict.status == ProbeStatus::kUnhealthy);
  CHECK(strict.reason == ProbeReason::kNodesNotReady);
  CHECK(strict.detail.find("node-2") != std::string::npos);
  CHECK(strict.detail.find("MemoryPressure") != std::string::npos);
  auto tolerant = cluster.Run(probes::k8s_nodes::MakeProbeFactory(), "max_not_ready: 1\n");
  CHECK(tolerant.status == ProbeStatus::kHealthy);
}
