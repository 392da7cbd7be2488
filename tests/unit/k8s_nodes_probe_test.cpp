#include "probes/k8s_nodes/k8s_nodes_probe.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "k8s_probes_fake_client.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_nodes/nodes_assessment.hpp"

using namespace runbookd;
using probes::k8s_nodes::AssessNodes;
using probes::k8s_nodes::MakeProbeFactory;
using probes::k8s_nodes::NodesSpec;

namespace {

namespace json = boost::json;

const WallTime kNow = *probes::k8s_common::ParseTime("2027-01-15T08:00:00Z");

// One node of `kubectl get nodes -o json`; `ready` is the Ready condition's status, `pressure`
// the condition type (MemoryPressure, DiskPressure, PIDPressure) that is "True", if any.
std::string Node(const std::string& name, const std::string& ready, const std::string& pressure = "",
                 bool unschedulable = false) {
  const auto condition = [&](const std::string& type, const std::string& ok_reason, const std::string& bad_reason,
                             const std::string& bad_message) {
    const bool on = type == pressure;
    return R"({"lastHeartbeatTime": "2027-01-15T07:59:40Z", "lastTransitionTime": "2027-01-15T07:40:00Z",
               "message": ")" +
           (on ? bad_message : "kubelet has sufficient resources") + R"(", "reason": ")" +
           (on ? bad_reason : ok_reason) + R"(", "status": ")" + (on ? "True" : "False") + R"(", "type": ")" + type +
           R"("})";
  };
  std::string ready_condition;
  if (ready == "True") {
    ready_condition = R"({"lastHeartbeatTime": "2027-01-15T07:59:40Z", "lastTransitionTime": "2026-12-01T09:00:00Z",
        "message": "kubelet is posting ready status", "reason": "KubeletReady", "status": "True", "type": "Ready"})";
  } else if (ready == "False") {
    ready_condition = R"({"lastHeartbeatTime": "2027-01-15T07:59:40Z", "lastTransitionTime": "2027-01-15T07:57:00Z",
        "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
        "reason": "KubeletNotReady", "status": "False", "type": "Ready"})";
  } else if (ready == "Unknown") {
    ready_condition = R"({"lastHeartbeatTime": "2027-01-15T07:51:10Z", "lastTransitionTime": "2027-01-15T07:55:00Z",
        "message": "Kubelet stopped posting node status.", "reason": "NodeStatusUnknown", "status": "Unknown",
        "type": "Ready"})";
  }
  return R"({
    "apiVersion": "v1", "kind": "Node",
    "metadata": {
      "creationTimestamp": "2026-12-01T08:58:00Z",
      "labels": {"kubernetes.io/hostname": ")" +
         name + R"(", "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m5.large",
                 "eks.amazonaws.com/nodegroup": "general"},
      "name": ")" +
         name + R"(", "resourceVersion": "812734", "uid": "uid-)" + name + R"("
    },
    "spec": {"providerID": "aws:///us-east-1a/i-0abc")" +
         (unschedulable ? R"(, "unschedulable": true,
              "taints": [{"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                          "timeAdded": "2027-01-15T06:00:00Z"}])"
                        : "") +
         R"(},
    "status": {
      "allocatable": {"cpu": "1930m", "memory": "7220184Ki", "pods": "29"},
      "conditions": [)" +
         condition("MemoryPressure", "KubeletHasSufficientMemory", "KubeletHasInsufficientMemory",
                   "kubelet has insufficient memory available") +
         "," +
         condition("DiskPressure", "KubeletHasNoDiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure") +
         "," +
         condition("PIDPressure", "KubeletHasSufficientPID", "KubeletHasInsufficientPID",
                   "kubelet has insufficient PID available") +
         (ready_condition.empty() ? "" : "," + ready_condition) + R"(],
      "nodeInfo": {"containerRuntimeVersion": "containerd://1.7.11", "kubeletVersion": "v1.29.0-eks-5e0fdde",
                   "osImage": "Amazon Linux 2"}
    }
  })";
}

json::value NodeList(std::initializer_list<std::string> nodes) {
  std::string items;
  for (const auto& node : nodes) items += (items.empty() ? "" : ",") + node;
  return json::parse(R"({"apiVersion": "v1", "kind": "NodeList", "metadata": {"resourceVersion": "812800"},
                         "items": [)" +
                     items + "]}");
}

double Obs(const ProbeResult& r, std::string_view name) { return probetest::Observed(r, name); }

}  // namespace

TEST_CASE("k8s_nodes: every node Ready is healthy", "[k8s_nodes]") {
  const auto r = AssessNodes(
      NodeList({Node("ip-10-0-1-23.ec2.internal", "True"), Node("ip-10-0-2-41.ec2.internal", "True")}), kNow, {});
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "2/2 nodes Ready");
  CHECK(Obs(r, "nodes_total") == 2);
  CHECK(Obs(r, "nodes_ready") == 2);
  CHECK(Obs(r, "nodes_not_ready") == 0);
  CHECK(Obs(r, "nodes_memory_pressure") == 0);
}

TEST_CASE("k8s_nodes: Ready False and Ready Unknown beyond max_not_ready", "[k8s_nodes]") {
  const auto nodes = NodeList({Node("ip-10-0-1-23.ec2.internal", "True"), Node("ip-10-0-2-41.ec2.internal", "False"),
                               Node("ip-10-0-3-77.ec2.internal", "Unknown")});
  SECTION("max_not_ready 0 (default)") {
    const auto r = AssessNodes(nodes, kNow, {});
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kNodesNotReady);
    CHECK(r.detail ==
          "1/3 nodes Ready, 2 not Ready (max 0): ip-10-0-2-41.ec2.internal: Ready=False for 3m (KubeletNotReady: "
          "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network "
          "plugin returns erro...); ip-10-0-3-77.ec2.internal: Ready=Unknown for 5m "
          "(NodeStatusUnknown: Kubelet stopped posting node status.)");
    CHECK(Obs(r, "nodes_ready") == 1);
    CHECK(Obs(r, "nodes_not_ready") == 2);
  }
  SECTION("max_not_ready 1: still too many") {
    NodesSpec spec;
    spec.max_not_ready = 1;
    CHECK(AssessNodes(nodes, kNow, spec).reason == ProbeReason::kNodesNotReady);
  }
  SECTION("max_not_ready 2: tolerated") {
    NodesSpec spec;
    spec.max_not_ready = 2;
    const auto r = AssessNodes(nodes, kNow, spec);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK_THAT(r.detail, Catch::StartsWith("1/3 nodes Ready, 2 not Ready (max 2): "));
  }
}

TEST_CASE("k8s_nodes: a node without a Ready condition is not Ready", "[k8s_nodes]") {
  const auto r = AssessNodes(NodeList({Node("ip-10-0-4-9.ec2.internal", "")}), kNow, {});
  CHECK(r.reason == ProbeReason::kNodesNotReady);
  CHECK(r.detail == "0/1 nodes Ready, 1 not Ready (max 0): ip-10-0-4-9.ec2.internal: no Ready condition");
}

TEST_CASE("k8s_nodes: pressure is reported, and counts as not Ready only when asked", "[k8s_nodes]") {
  const auto nodes = NodeList({Node("ip-10-0-1-23.ec2.internal", "True", "MemoryPressure"),
                               Node("ip-10-0-2-41.ec2.internal", "True", "DiskPressure"),
                               Node("ip-10-0-3-77.ec2.internal", "True", "", true)});
  SECTION("reported") {
    const auto r = AssessNodes(nodes, kNow, {});
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(r.detail ==
          "3/3 nodes Ready; MemoryPressure: ip-10-0-1-23.ec2.internal; DiskPressure: ip-10-0-2-41.ec2.internal; "
          "cordoned: ip-10-0-3-77.ec2.internal");
    CHECK(Obs(r, "nodes_memory_pressure") == 1);
    CHECK(Obs(r, "nodes_disk_pressure") == 1);
    CHECK(Obs(r, "nodes_pid_pressure") == 0);
    CHECK(Obs(r, "nodes_unschedulable") == 1);
  }
  SECTION("pressure_counts_as_not_ready") {
    NodesSpec spec;
    spec.pressure_counts_as_not_ready = true;
    spec.max_not_ready = 1;
    const auto r = AssessNodes(nodes, kNow, spec);
    CHECK(r.reason == ProbeReason::kNodesNotReady);
    CHECK_THAT(r.detail, Catch::StartsWith("1/3 nodes Ready, 2 not Ready (max 1): ip-10-0-1-23.ec2.internal: "
                                           "MemoryPressure; ip-10-0-2-41.ec2.internal: DiskPressure; "));
    CHECK(Obs(r, "nodes_not_ready") == 2);
  }
}

TEST_CASE("k8s_nodes: no nodes at all is unhealthy", "[k8s_nodes]") {
  NodesSpec spec;
  spec.label_selector = "eks.amazonaws.com/nodegroup=payments";
  const auto r = AssessNodes(NodeList({}), kNow, spec);
  CHECK(r.reason == ProbeReason::kNodesNotReady);
  CHECK(r.detail == "no nodes matching eks.amazonaws.com/nodegroup=payments");
  CHECK(AssessNodes(json::parse(R"({"kind": "NodeList", "items": null})"), kNow, {}).reason ==
        ProbeReason::kNodesNotReady);
  CHECK(AssessNodes(json::parse(R"("oops")"), kNow, {}).reason == ProbeReason::kApiError);
}

TEST_CASE("k8s_nodes: the probe lists nodes with the label selector escaped", "[k8s_nodes]") {
  testing::ManualClock clock;
  auto client = std::make_shared<k8stest::FakeClient>();
  const auto deps = k8stest::DepsWith(client, &clock);
  const std::string path = "/api/v1/nodes?labelSelector=eks.amazonaws.com%2Fnodegroup%3Dgeneral%2Cenv+in+%28prod%29";
  client->AnswerJson(path, json::serialize(NodeList({Node("ip-10-0-1-23.ec2.internal", "Unknown")})));
  auto probe = probetest::BuildProbe(
      MakeProbeFactory(), "label_selector: 'eks.amazonaws.com/nodegroup=general,env in (prod)'\nmax_not_ready: 0\n",
      deps);
  const auto out = probetest::RunOnce(*probe);
  INFO(out.result.detail);
  CHECK(out.result.reason == ProbeReason::kNodesNotReady);
  // ManualClock's wall time is 2027-01-15T08:00:00Z, as in the fixtures.
  CHECK_THAT(out.result.detail, Catch::Contains("Ready=Unknown for 5m"));
  CHECK(client->requests() == std::vector<std::string>{path});

  auto all = probetest::BuildProbe(MakeProbeFactory(), "{}", deps);
  const auto missing = probetest::RunOnce(*all);  // the fake answers 404 to /api/v1/nodes
  CHECK(missing.result.status == ProbeStatus::kUnknown);
  CHECK(missing.result.reason == ProbeReason::kApiError);
  CHECK(client->requests().back() == "/api/v1/nodes");
}

TEST_CASE("k8s_nodes: config errors", "[k8s_nodes]") {
  testing::ManualClock clock;
  const auto deps = k8stest::DepsWith(std::make_shared<k8stest::FakeClient>(), &clock);
  const auto factory = MakeProbeFactory();
  CHECK(k8stest::SpecErrors(factory, "", ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type k8s_nodes needs a connection of type kubernetes (set connection: NAME)\n");
  CHECK(k8stest::SpecErrors(factory, "", deps).empty());  // every key has a default
  CHECK(k8stest::SpecErrors(factory, "max_not_ready: -1\npressure_counts_as_not_ready: yes\n", deps) ==
        "t.yaml:1:16: max_not_ready: must be between 0 and 9223372036854775807, got -1\n"
        "t.yaml:2:31: pressure_counts_as_not_ready: expected true or false, got \"yes\"\n");
  CHECK(k8stest::SpecErrors(factory, "max_notready: 1\n", deps) ==
        "t.yaml:1:1: max_notready: unknown key \"max_notready\" (did you mean \"max_not_ready\"?)\n");
}
