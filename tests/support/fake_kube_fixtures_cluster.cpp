// Cluster-level fixtures: nodes, services with their Endpoints and EndpointSlices, events,
// namespaces, and the standard "production" picture that puts them all together.

#include "tests/support/fake_kube_fixtures.hpp"

namespace runbookd::testing::kube_fixtures {

namespace json = boost::json;

namespace {

json::object NodeCondition(const std::string& type, const std::string& status, const std::string& reason,
                           const std::string& message) {
  return {{"type", type},
          {"status", status},
          {"lastHeartbeatTime", "2024-05-01T09:59:30Z"},
          {"lastTransitionTime", "2024-04-01T08:00:00Z"},
          {"reason", reason},
          {"message", message}};
}

json::object Address(const std::string& ip, const std::string& node, const std::string& pod, const std::string& ns) {
  return {
      {"ip", ip},
      {"nodeName", node},
      {"targetRef",
       json::object{{"kind", "Pod"}, {"namespace", ns}, {"name", pod}, {"uid", FixedUid("Pod/" + ns + "/" + pod)}}}};
}

}  // namespace

json::object MakeNode(const std::string& name, NodeState state) {
  const bool memory = state == NodeState::kMemoryPressure;
  const bool not_ready = state == NodeState::kNotReady;
  json::array conditions{
      memory ? NodeCondition("MemoryPressure", "True", "KubeletHasInsufficientMemory",
                             "kubelet has insufficient memory available")
             : NodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                             "kubelet has sufficient memory available"),
      NodeCondition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      NodeCondition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      not_ready ? NodeCondition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
                : NodeCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status")};
  json::object spec{{"podCIDR", "10.244.0.0/24"}, {"podCIDRs", json::array{"10.244.0.0/24"}}};
  if (not_ready || memory) {
    json::array taints;
    if (not_ready) {
      taints.push_back(json::object{
          {"key", "node.kubernetes.io/unreachable"}, {"effect", "NoSchedule"}, {"timeAdded", "2024-05-01T09:55:00Z"}});
      taints.push_back(json::object{
          {"key", "node.kubernetes.io/unreachable"}, {"effect", "NoExecute"}, {"timeAdded", "2024-05-01T09:55:05Z"}});
    } else {
      taints.push_back(json::object{{"key", "node.kubernetes.io/memory-pressure"},
                                    {"effect", "NoSchedule"},
                                    {"timeAdded", "2024-05-01T09:52:00Z"}});
    }
    spec["taints"] = std::move(taints);
  }
  const json::object resources{{"cpu", "4"}, {"memory", "16375132Ki"}, {"pods", "110"}};
  return {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", json::object{{"name", name},
                                {"uid", FixedUid("Node/" + name)},
                                {"creationTimestamp", "2024-04-01T08:00:00Z"},
                                {"labels", json::object{{"kubernetes.io/hostname", name},
                                                        {"kubernetes.io/os", "linux"},
                                                        {"kubernetes.io/arch", "amd64"}}}}},
      {"spec", std::move(spec)},
      {"status", json::object{{"addresses", json::array{json::object{{"type", "InternalIP"}, {"address", "10.0.1.11"}},
                                                        json::object{{"type", "Hostname"}, {"address", name}}}},
                              {"allocatable", resources},
                              {"capacity", resources},
                              {"conditions", std::move(conditions)},
                              {"nodeInfo", json::object{{"architecture", "amd64"},
                                                        {"containerRuntimeVersion", "containerd://1.7.13"},
                                                        {"kernelVersion", "6.1.0-18-amd64"},
                                                        {"kubeletVersion", "v1.29.4"},
                                                        {"operatingSystem", "linux"},
                                                        {"osImage", "Debian GNU/Linux 12 (bookworm)"}}}}}};
}

ServiceObjects MakeService(const std::string& name, EndpointsState state, const std::string& ns) {
  const std::string service_uid = FixedUid("Service/" + ns + "/" + name);
  ServiceObjects out;
  out.service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", json::object{{"name", name},
                                {"namespace", ns},
                                {"uid", service_uid},
                                {"creationTimestamp", "2024-04-01T09:00:00Z"},
                                {"labels", json::object{{"app", name}}}}},
      {"spec", json::object{{"type", "ClusterIP"},
                            {"clusterIP", "10.96.12." + std::to_string(10 + name.size())},
                            {"clusterIPs", json::array{"10.96.12." + std::to_string(10 + name.size())}},
                            {"internalTrafficPolicy", "Cluster"},
                            {"ipFamilies", json::array{"IPv4"}},
                            {"ipFamilyPolicy", "SingleStack"},
                            {"ports", json::array{json::object{
                                          {"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}}},
                            {"selector", json::object{{"app", name}}},
                            {"sessionAffinity", "None"}}},
      {"status", json::object{{"loadBalancer", json::object()}}}};

  const std::vector<std::pair<std::string, std::string>> pods = {{name + "-0", "10.244.1.21"},
                                                                 {name + "-1", "10.244.2.22"}};
  json::array addresses;
  json::array slice_endpoints;
  for (const auto& [pod, ip] : pods) {
    addresses.push_back(Address(ip, "node-1", pod, ns));
    const bool ready = state == EndpointsState::kReady;
    slice_endpoints.push_back(json::object{
        {"addresses", json::array{ip}},
        {"conditions", json::object{{"ready", ready}, {"serving", ready}, {"terminating", false}}},
        {"nodeName", "node-1"},
        {"targetRef",
         json::object{{"kind", "Pod"}, {"namespace", ns}, {"name", pod}, {"uid", FixedUid("Pod/" + ns + "/" + pod)}}}});
  }
  json::object endpoints_meta{{"name", name},
                              {"namespace", ns},
                              {"uid", FixedUid("Endpoints/" + ns + "/" + name)},
                              {"creationTimestamp", "2024-04-01T09:00:00Z"},
                              {"labels", json::object{{"app", name}}}};
  out.endpoints = {{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", std::move(endpoints_meta)}};
  if (state != EndpointsState::kNone) {
    const char* field = state == EndpointsState::kReady ? "addresses" : "notReadyAddresses";
    out.endpoints["subsets"] = json::array{
        json::object{{field, addresses},
                     {"ports", json::array{json::object{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}}};
  }
  const std::string slice_name = name + "-" + FixedUid("slice/" + name).substr(0, 5);
  out.endpoint_slice = {
      {"apiVersion", "discovery.k8s.io/v1"},
      {"kind", "EndpointSlice"},
      {"metadata", json::object{{"name", slice_name},
                                {"namespace", ns},
                                {"uid", FixedUid("EndpointSlice/" + ns + "/" + slice_name)},
                                {"creationTimestamp", "2024-04-01T09:00:00Z"},
                                {"generateName", name + "-"},
                                {"labels", json::object{{"app", name},
                                                        {"endpointslice.kubernetes.io/managed-by",
                                                         "endpointslice-controller.k8s.io"},
                                                        {"kubernetes.io/service-name", name}}},
                                {"ownerReferences", json::array{json::object{{"apiVersion", "v1"},
                                                                             {"kind", "Service"},
                                                                             {"name", name},
                                                                             {"uid", service_uid},
                                                                             {"controller", true},
                                                                             {"blockOwnerDeletion", true}}}}}},
      {"addressType", "IPv4"},
      {"ports", json::array{json::object{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}};
  // With no endpoints the server prints `"endpoints": null`, which decodes to no key at all.
  if (state != EndpointsState::kNone) out.endpoint_slice["endpoints"] = std::move(slice_endpoints);
  return out;
}

json::object MakeEvent(const EventOptions& options) {
  const std::string name = options.involved_name + "." + FixedUid(options.reason + options.message).substr(0, 8) +
                           FixedUid(options.last_timestamp).substr(0, 8);
  const bool pod = options.involved_kind == "Pod";
  json::object involved{{"kind", options.involved_kind},
                        {"namespace", options.ns},
                        {"name", options.involved_name},
                        {"apiVersion", pod ? "v1" : "apps/v1"},
                        {"uid", FixedUid(options.involved_kind + "/" + options.ns + "/" + options.involved_name)}};
  if (pod) involved["fieldPath"] = "spec.containers{backend}";
  json::object source{{"component", options.component}};
  if (options.component == "kubelet") source["host"] = "node-1";
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", json::object{{"name", name},
                                    {"namespace", options.ns},
                                    {"uid", FixedUid("Event/" + options.ns + "/" + name)},
                                    {"creationTimestamp", options.first_timestamp}}},
          {"involvedObject", std::move(involved)},
          {"reason", options.reason},
          {"message", options.message},
          {"source", std::move(source)},
          {"firstTimestamp", options.first_timestamp},
          {"lastTimestamp", options.last_timestamp},
          {"count", options.count},
          {"type", options.type},
          {"reportingComponent", options.component},
          {"reportingInstance", options.component == "kubelet" ? "node-1" : ""}};
}

json::object MakeNamespace(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", json::object{{"name", name},
                                    {"uid", FixedUid("Namespace/" + name)},
                                    {"creationTimestamp", "2024-04-01T08:00:00Z"},
                                    {"labels", json::object{{"kubernetes.io/metadata.name", name}}}}},
          {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
          {"status", json::object{{"phase", "Active"}}}};
}

void LoadStandardCluster(FakeKube& kube) {
  kube.Put(MakeNamespace(kNamespace));
  kube.Put(MakeNamespace("default"));
  LoadDeploymentWithHistory(kube);
  const std::string name = kDeployment;
  kube.Put(MakePod({.name = name + "-0", .state = PodState::kRunningReady}));
  kube.Put(MakePod({.name = name + "-1", .state = PodState::kCrashLoopBackOff}));
  kube.Put(MakePod({.name = name + "-2", .state = PodState::kOOMKilled}));
  kube.Put(MakePod({.name = "image-puller-0",
                    .state = PodState::kImagePullBackOff,
                    .app = "image-puller",
                    .image = "registry.example.com/image-puller:9.9.9"}));
  kube.Put(MakePod({.name = "image-puller-1",
                    .state = PodState::kErrImagePull,
                    .app = "image-puller",
                    .image = "registry.example.com/image-puller:9.9.9"}));
  kube.Put(MakeNode("node-1", NodeState::kReady));
  kube.Put(MakeNode("node-2", NodeState::kNotReady));
  kube.Put(MakeNode("node-3", NodeState::kMemoryPressure));
  for (const auto& [service, state] :
       {std::pair{name, EndpointsState::kReady}, std::pair{std::string("search"), EndpointsState::kNotReady},
        std::pair{std::string("legacy-api"), EndpointsState::kNone}}) {
    const ServiceObjects objects = MakeService(service, state);
    kube.Put(objects.service);
    kube.Put(objects.endpoints);
    kube.Put(objects.endpoint_slice);
  }
  kube.Put(MakeEvent({.involved_name = name + "-1", .count = 12}));
  kube.Put(MakeEvent({.reason = "OOMKilling",
                      .message = "Memory cgroup out of memory: Killed process 4242 (backend)",
                      .involved_name = name + "-2",
                      .count = 3}));
  kube.Put(MakeEvent({.type = "Normal",
                      .reason = "ScalingReplicaSet",
                      .message = "Scaled up replica set " + name + " to 3",
                      .involved_kind = "Deployment",
                      .involved_name = name,
                      .first_timestamp = "2024-04-03T09:00:00Z",
                      .last_timestamp = "2024-04-03T09:00:00Z",
                      .component = "deployment-controller"}));
}

}  // namespace runbookd::testing::kube_fixtures
