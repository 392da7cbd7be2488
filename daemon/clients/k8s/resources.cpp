#include "daemon/clients/k8s/resources.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace runbookd::k8s {

std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

std::string WithSelector(std::string path, std::string_view key, std::string_view selector) {
  if (selector.empty()) return path;
  return path + "?" + std::string(key) + "=" + QueryEscape(selector);
}

}  // namespace

std::string DeploymentsPath(std::string_view ns) { return Join({"/apis/apps/v1/namespaces/", ns, "/deployments"}); }
std::string DeploymentPath(std::string_view ns, std::string_view name) {
  return DeploymentsPath(ns) + "/" + std::string(name);
}
std::string DeploymentScalePath(std::string_view ns, std::string_view name) {
  return DeploymentPath(ns, name) + "/scale";
}
std::string ReplicaSetsPath(std::string_view ns, std::string_view label_selector) {
  return WithSelector(Join({"/apis/apps/v1/namespaces/", ns, "/replicasets"}), "labelSelector", label_selector);
}
std::string PodsPath(std::string_view ns, std::string_view label_selector) {
  return WithSelector(Join({"/api/v1/namespaces/", ns, "/pods"}), "labelSelector", label_selector);
}
std::string PodPath(std::string_view ns, std::string_view name) {
  return Join({"/api/v1/namespaces/", ns, "/pods/", name});
}
std::string NodesPath() { return "/api/v1/nodes"; }
std::string ServicePath(std::string_view ns, std::string_view name) {
  return Join({"/api/v1/namespaces/", ns, "/services/", name});
}
std::string EndpointsPath(std::string_view ns, std::string_view name) {
  return Join({"/api/v1/namespaces/", ns, "/endpoints/", name});
}
std::string EndpointSlicesPath(std::string_view ns, std::string_view service) {
  return WithSelector(Join({"/apis/discovery.k8s.io/v1/namespaces/", ns, "/endpointslices"}), "labelSelector",
                      Join({"kubernetes.io/service-name=", service}));
}
std::string EventsPath(std::string_view ns, std::string_view field_selector) {
  return WithSelector(Join({"/api/v1/namespaces/", ns, "/events"}), "fieldSelector", field_selector);
}

std::optional<std::string> RenderLabelSelector(const boost::json::value& selector, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<std::string> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (selector.is_null()) return std::string();
  if (!selector.is_object()) return fail("selector is not an object");
  // key -> rendered requirement; std::sort by key like labels.Requirements (stable for equal keys).
  std::vector<std::pair<std::string, std::string>> reqs;
  if (const auto* labels = selector.get_object().if_contains("matchLabels")) {
    if (!labels->is_object()) return fail("matchLabels is not an object");
    for (const auto& kv : labels->get_object()) {
      if (!kv.value().is_string()) return fail("matchLabels values must be strings");
      reqs.emplace_back(std::string(kv.key()), std::string(kv.key()) + "=" + std::string(kv.value().get_string()));
    }
  }
  if (const auto* exprs = selector.get_object().if_contains("matchExpressions")) {
    if (!exprs->is_array()) return fail("matchExpressions is not a list");
    for (const auto& e : exprs->get_array()) {
      const std::string key = StringAt(e, {"key"});
      const std::string op = StringAt(e, {"operator"});
      std::vector<std::string> values;
      if (const auto* vals = Find(e, {"values"}); vals && vals->is_array()) {
        for (const auto& v : vals->get_array()) {
          if (v.is_string()) values.emplace_back(v.get_string());
        }
      }
      std::sort(values.begin(), values.end());
      std::string joined;
      for (const auto& v : values) joined += (joined.empty() ? "" : ",") + v;
      if (op == "In") {
        reqs.emplace_back(key, key + " in (" + joined + ")");
      } else if (op == "NotIn") {
        reqs.emplace_back(key, key + " notin (" + joined + ")");
      } else if (op == "Exists") {
        reqs.emplace_back(key, key);
      } else if (op == "DoesNotExist") {
        reqs.emplace_back(key, "!" + key);
      } else {
        return fail("unknown selector operator \"" + op + "\"");
      }
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [_, r] : reqs) out += (out.empty() ? "" : ",") + r;
  return out;
}

bool IsControlledBy(const boost::json::value& obj, std::string_view owner_uid) {
  const auto* refs = Find(obj, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return false;
  for (const auto& ref : refs->get_array()) {
    const auto* controller = Find(ref, {"controller"});
    if (controller && controller->is_bool() && controller->get_bool() && StringAt(ref, {"uid"}) == owner_uid) {
      return true;
    }
  }
  return false;
}

const boost::json::value* Find(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const boost::json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string StringAt(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const auto* found = Find(v, path);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

std::optional<int64_t> IntAt(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const auto* found = Find(v, path);
  if (found == nullptr) return std::nullopt;
  if (found->is_int64()) return found->get_int64();
  if (found->is_uint64()) return static_cast<int64_t>(found->get_uint64());
  if (found->is_double()) return static_cast<int64_t>(found->get_double());
  return std::nullopt;
}

boost::json::object ObservedIdentity(std::string_view kind, const boost::json::value& obj) {
  return boost::json::object{{"kind", kind},
                             {"namespace", StringAt(obj, {"metadata", "namespace"})},
                             {"name", StringAt(obj, {"metadata", "name"})},
                             {"uid", StringAt(obj, {"metadata", "uid"})},
                             {"resourceVersion", StringAt(obj, {"metadata", "resourceVersion"})}};
}

}  // namespace runbookd::k8s
