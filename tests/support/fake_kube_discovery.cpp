// The resources the fake serves and the legacy discovery documents that advertise them. Only
// legacy discovery is offered: answering /api and /apis with plain application/json makes
// client-go (1.29-1.33) fall back to it (protocol-facts §1.1).

#include <algorithm>
#include <set>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

// Subresources, advertised next to their parent like the real server does.
struct Subresource {
  std::string group;
  std::string version;
  std::string name;  // "deployments/scale"
  std::string kind;
  std::vector<std::string> verbs;
  std::string kind_group;  // the Scale kind lives in autoscaling/v1; empty = the parent's group version
  std::string kind_version;
};

const std::vector<Subresource>& Subresources() {
  static const std::vector<Subresource> kSubresources = {
      {"", "v1", "pods/log", "Pod", {"get"}, "", ""},
      {"apps", "v1", "deployments/status", "Deployment", {"get", "patch", "update"}, "", ""},
      {"apps", "v1", "deployments/scale", "Scale", {"get", "patch", "update"}, "autoscaling", "v1"},
  };
  return kSubresources;
}

// Categories the real server gives these resources ("kubectl get all").
bool InCategoryAll(const std::string& resource) {
  static const std::set<std::string> kAll = {"pods", "services", "deployments", "replicasets"};
  return kAll.contains(resource);
}

json::array Strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object ResourceList(const std::string& group, const std::string& version) {
  json::array resources;
  for (const auto& type : ResourceTypes()) {
    if (type.group != group || type.version != version) continue;
    json::object entry{{"name", type.resource},
                       {"singularName", type.singular},
                       {"namespaced", type.namespaced},
                       {"kind", type.kind},
                       {"verbs", Strings(type.verbs)}};
    if (!type.short_names.empty()) entry["shortNames"] = Strings(type.short_names);
    if (InCategoryAll(type.resource)) entry["categories"] = json::array{"all"};
    resources.push_back(std::move(entry));
    for (const auto& sub : Subresources()) {
      if (sub.group != group || sub.version != version || !sub.name.starts_with(type.resource + "/")) continue;
      json::object sub_entry{{"name", sub.name},
                             {"singularName", ""},
                             {"namespaced", type.namespaced},
                             {"kind", sub.kind},
                             {"verbs", Strings(sub.verbs)}};
      if (!sub.kind_group.empty()) {
        sub_entry["group"] = sub.kind_group;
        sub_entry["version"] = sub.kind_version;
      }
      resources.push_back(std::move(sub_entry));
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", std::move(resources)}};
}

}  // namespace

const std::vector<ResourceType>& ResourceTypes() {
  const std::vector<std::string> all_verbs = {"create", "delete", "deletecollection", "get",
                                              "list",   "patch",  "update",           "watch"};
  const std::vector<std::string> namespace_verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  static const std::vector<ResourceType> kTypes = {
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, namespace_verbs, true},
      {"", "v1", "nodes", "node", "Node", false, {"no"}, all_verbs, true},
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, all_verbs, true},
      {"", "v1", "services", "service", "Service", true, {"svc"}, all_verbs, true},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, all_verbs, false},
      {"", "v1", "events", "event", "Event", true, {"ev"}, all_verbs, false},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, all_verbs, true},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, all_verbs, true},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}, all_verbs, false},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, all_verbs, false},
  };
  return kTypes;
}

const ResourceType* FindResource(std::string_view group, std::string_view version, std::string_view resource) {
  for (const auto& type : ResourceTypes()) {
    if (type.group == group && type.version == version && type.resource == resource) return &type;
  }
  return nullptr;
}

const ResourceType* FindKind(std::string_view kind) {
  for (const auto& type : ResourceTypes()) {
    if (type.kind == kind) return &type;
  }
  return nullptr;
}

std::string ApiVersionOf(const ResourceType& type) {
  return type.group.empty() ? type.version : type.group + "/" + type.version;
}

std::string GroupResourceOf(const ResourceType& type) {
  return type.group.empty() ? type.resource : type.resource + "." + type.group;
}

std::optional<json::value> DiscoveryDocument(std::string_view path, uint16_t port) {
  if (path == "/api") {
    return json::object{{"kind", "APIVersions"},
                        {"versions", json::array{"v1"}},
                        {"serverAddressByClientCIDRs",
                         json::array{json::object{{"clientCIDR", "0.0.0.0/0"},
                                                  {"serverAddress", "127.0.0.1:" + std::to_string(port)}}}}};
  }
  if (path == "/api/v1") return ResourceList("", "v1");
  // Every named group has resources: an advertised group version with an empty list makes
  // kubectl skip its discovery cache and rediscover on every call.
  std::vector<std::string> groups;
  for (const auto& type : ResourceTypes()) {
    if (!type.group.empty() && std::find(groups.begin(), groups.end(), type.group) == groups.end()) {
      groups.push_back(type.group);
    }
  }
  if (path == "/apis") {
    json::array list;
    for (const auto& group : groups) {
      const json::object gv{{"groupVersion", group + "/v1"}, {"version", "v1"}};
      list.push_back(json::object{{"name", group}, {"versions", json::array{gv}}, {"preferredVersion", gv}});
    }
    return json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(list)}};
  }
  for (const auto& group : groups) {
    if (path == "/apis/" + group) {
      const json::object gv{{"groupVersion", group + "/v1"}, {"version", "v1"}};
      return json::object{{"kind", "APIGroup"},
                          {"apiVersion", "v1"},
                          {"name", group},
                          {"versions", json::array{gv}},
                          {"preferredVersion", gv}};
    }
    if (path == "/apis/" + group + "/v1") return ResourceList(group, "v1");
  }
  return std::nullopt;
}

json::object VersionDocument(const std::string& minor) {
  return {{"major", "1"},
          {"minor", minor},
          {"gitVersion", "v1." + minor + ".0"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2024-01-01T00:00:00Z"},
          {"goVersion", "go1.22.0"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

}  // namespace runbookd::testing::fake_kube
