// What the real API server's Go decode/encode round trip does to an object, reduced to the few
// effects that make a kubectl-sent and a natively-sent value print differently. It models what
// the server returns; it must not hide real differences, so it stays this small:
//   1. keys whose value is null are dropped (Go leaves the field at its zero value, omitted);
//   2. empty metadata.labels / metadata.annotations are dropped (empty maps are `omitempty`);
//   3. a pod template's metadata.creationTimestamp is present as null (metav1.Time is a struct,
//      so `omitempty` never drops it);
//   4. every container has `resources` ({} when absent: ResourceRequirements is a struct).
// Defaulting (imagePullPolicy, terminationMessagePath, strategy, ...) is not modelled: fixtures
// carry the defaulted values, as `kubectl get -o json` shows them.

#include <algorithm>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

void DropNulls(json::value& value) {
  if (auto* object = value.if_object()) {
    for (auto it = object->begin(); it != object->end();) {
      if (it->value().is_null()) {
        it = object->erase(it);
      } else {
        DropNulls(it->value());
        ++it;
      }
    }
  } else if (auto* array = value.if_array()) {
    for (auto& item : *array) DropNulls(item);
  }
}

void DropEmptyMaps(json::object& metadata) {
  for (const char* field : {"labels", "annotations"}) {
    const auto* value = metadata.if_contains(field);
    if (value != nullptr && value->is_object() && value->as_object().empty()) metadata.erase(field);
  }
}

void EnsureContainerResources(json::object& pod_spec) {
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    auto* containers = pod_spec.if_contains(list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (auto& container : containers->as_array()) {
      if (auto* object = container.if_object(); object && !object->contains("resources")) {
        (*object)["resources"] = json::object();
      }
    }
  }
}

void WriteCanonical(const json::value& value, std::string& out, int indent, int depth) {
  const auto newline = [&](int level) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * level), ' ');
  };
  if (const auto* object = value.if_object()) {
    if (object->empty()) {
      out += "{}";
      return;
    }
    std::vector<const json::key_value_pair*> members;
    for (const auto& member : *object) members.push_back(&member);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      newline(depth + 1);
      out += json::serialize(json::value(members[i]->key()));
      out += indent < 0 ? ":" : ": ";
      WriteCanonical(members[i]->value(), out, indent, depth + 1);
    }
    newline(depth);
    out += '}';
  } else if (const auto* array = value.if_array()) {
    if (array->empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ',';
      newline(depth + 1);
      WriteCanonical((*array)[i], out, indent, depth + 1);
    }
    newline(depth);
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

void Normalize(json::object& object, const ResourceType& type) {
  json::value whole(std::move(object));
  DropNulls(whole);
  object = std::move(whole.as_object());
  if (auto* metadata = object.if_contains("metadata"); metadata && metadata->is_object()) {
    DropEmptyMaps(metadata->as_object());
  }
  auto* spec = object.if_contains("spec");
  if (spec == nullptr || !spec->is_object()) return;
  if (type.kind == "Pod") EnsureContainerResources(spec->as_object());
  if (type.kind != "Deployment" && type.kind != "ReplicaSet") return;
  auto* pod_template = spec->as_object().if_contains("template");
  if (pod_template == nullptr || !pod_template->is_object()) return;
  auto& template_object = pod_template->as_object();
  if (!template_object.contains("metadata") || !template_object["metadata"].is_object()) {
    template_object["metadata"] = json::object();
  }
  auto& template_metadata = template_object["metadata"].as_object();
  DropEmptyMaps(template_metadata);
  template_metadata["creationTimestamp"] = nullptr;
  if (auto* pod_spec = template_object.if_contains("spec"); pod_spec && pod_spec->is_object()) {
    EnsureContainerResources(pod_spec->as_object());
  }
}

std::string CanonicalJson(const json::value& value) {
  std::string out;
  WriteCanonical(value, out, -1, 0);
  return out;
}

const json::value* FindPath(const json::value& root, std::initializer_list<std::string_view> path) {
  const json::value* at = &root;
  for (auto part : path) {
    const auto* object = at->if_object();
    at = object ? object->if_contains(part) : nullptr;
    if (at == nullptr) return nullptr;
  }
  return at;
}

const json::value* FindPath(const json::object& root, std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return nullptr;
  const json::value* first = root.if_contains(*path.begin());
  if (first == nullptr || path.size() == 1) return first;
  const json::value* at = first;
  for (auto it = path.begin() + 1; it != path.end(); ++it) {
    const auto* object = at->if_object();
    at = object ? object->if_contains(*it) : nullptr;
    if (at == nullptr) return nullptr;
  }
  return at;
}

}  // namespace runbookd::testing::fake_kube

namespace runbookd::testing {

std::string CanonicalJsonText(const boost::json::value& value) {
  std::string out;
  fake_kube::WriteCanonical(value, out, 2, 0);
  return out;
}

}  // namespace runbookd::testing
