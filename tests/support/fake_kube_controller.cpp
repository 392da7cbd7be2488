// A minimal Deployment controller: what kube-controller-manager does to the ReplicaSets and the
// revision annotations after a Deployment's template changes (rollout undo, rollout restart,
// an edit). It follows pkg/controller/deployment (getNewReplicaSet, SetNewReplicaSetAnnotations)
// but jumps straight to the end of the rollout (the new ReplicaSet has all replicas, the old
// ones none) and leaves every status alone. The pod-template-hash is deterministic (FNV-32a of
// the canonical template), so two fakes given the same change name the same ReplicaSet.

#include <algorithm>
#include <cmath>
#include <optional>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

constexpr const char* kHashLabel = "pod-template-hash";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";
constexpr const char* kRevisionHistory = "deployment.kubernetes.io/revision-history";
constexpr const char* kDesiredReplicas = "deployment.kubernetes.io/desired-replicas";
constexpr const char* kMaxReplicas = "deployment.kubernetes.io/max-replicas";

// Annotations the controller never copies from a Deployment to its ReplicaSets.
bool SkippedAnnotation(std::string_view key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == kRevision || key == kRevisionHistory ||
         key == kDesiredReplicas || key == kMaxReplicas || key == "deprecated.deployment.rollback.to";
}

json::object& ObjectField(json::object& parent, std::string_view key) {
  auto& value = parent[key];
  if (!value.is_object()) value = json::object();
  return value.as_object();
}

std::string StringAt(const json::value& root, std::initializer_list<std::string_view> path) {
  const auto* value = FindPath(root, path);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::optional<int64_t> Revision(const json::object& rs) {
  const std::string text = StringAt(rs, {"metadata", "annotations", kRevision});
  if (text.empty()) return std::nullopt;
  try {
    size_t used = 0;
    const int64_t value = std::stoll(text, &used);
    return used == text.size() ? std::optional<int64_t>(value) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int64_t IntAt(const json::value& root, std::initializer_list<std::string_view> path, int64_t fallback) {
  const auto* value = FindPath(root, path);
  return value && value->is_number() ? value->to_number<int64_t>() : fallback;
}

// deploymentutil.MaxSurge: rollingUpdate.maxSurge as a number or a percentage rounded up.
int64_t MaxSurge(const json::object& deployment, int64_t replicas) {
  if (StringAt(deployment, {"spec", "strategy", "type"}) == "Recreate") return 0;
  const auto* surge = FindPath(deployment, {"spec", "strategy", "rollingUpdate", "maxSurge"});
  if (surge != nullptr && surge->is_number()) return surge->to_number<int64_t>();
  std::string percent = surge != nullptr && surge->is_string() ? std::string(surge->as_string()) : "25%";
  if (!percent.empty() && percent.back() == '%') percent.pop_back();
  const double fraction = std::stod(percent) / 100.0;
  return static_cast<int64_t>(std::ceil(static_cast<double>(replicas) * fraction));
}

bool IsControlledBy(const json::object& rs, const std::string& owner_uid) {
  const auto* refs = FindPath(rs, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return false;
  for (const auto& ref : refs->as_array()) {
    const auto* controller = FindPath(ref, {"controller"});
    if (controller && controller->is_bool() && controller->as_bool() && StringAt(ref, {"uid"}) == owner_uid) {
      return true;
    }
  }
  return false;
}

bool SetAnnotation(json::object& object, std::string_view key, const std::string& value) {
  auto& annotations = ObjectField(ObjectField(object, "metadata"), "annotations");
  const auto* existing = annotations.if_contains(key);
  if (existing && existing->is_string() && existing->as_string() == value) return false;
  annotations[key] = value;
  return true;
}

// deploymentutil.SetNewReplicaSetAnnotations, without the length cap on the history.
bool SetNewReplicaSetAnnotations(const json::object& deployment, json::object& rs, int64_t new_revision) {
  bool changed = false;
  if (const auto* annotations = FindPath(deployment, {"metadata", "annotations"});
      annotations && annotations->is_object()) {
    for (const auto& [key, value] : annotations->as_object()) {
      if (!SkippedAnnotation(key) && value.is_string())
        changed |= SetAnnotation(rs, key, std::string(value.as_string()));
    }
  }
  const std::string old_text = StringAt(rs, {"metadata", "annotations", kRevision});
  const int64_t old_revision = Revision(rs).value_or(0);
  if (old_revision < new_revision) {
    changed |= SetAnnotation(rs, kRevision, std::to_string(new_revision));
    if (!old_text.empty()) {
      // Reusing an old ReplicaSet (a rollback): keep the revisions it had.
      const std::string history = StringAt(rs, {"metadata", "annotations", kRevisionHistory});
      SetAnnotation(rs, kRevisionHistory, history.empty() ? old_text : history + "," + old_text);
    }
  }
  return changed;
}

// Scales a ReplicaSet and records the replica annotations the controller writes when it scales.
bool ScaleReplicaSet(json::object& rs, int64_t replicas, int64_t desired, int64_t max_replicas) {
  auto& spec = ObjectField(rs, "spec");
  const auto* current = spec.if_contains("replicas");
  if (current != nullptr && current->is_number() && current->to_number<int64_t>() == replicas) return false;
  spec["replicas"] = replicas;
  SetAnnotation(rs, kDesiredReplicas, std::to_string(desired));
  SetAnnotation(rs, kMaxReplicas, std::to_string(max_replicas));
  return true;
}

json::object NewReplicaSet(const json::object& deployment, const std::string& hash, int64_t replicas) {
  const auto& metadata = deployment.at("metadata").as_object();
  json::object pod_template = deployment.at("spec").at("template").as_object();
  ObjectField(ObjectField(pod_template, "metadata"), "labels")[kHashLabel] = hash;
  json::object selector = deployment.at("spec").at("selector").as_object();
  ObjectField(selector, "matchLabels")[kHashLabel] = hash;
  json::object rs_metadata{{"name", std::string(metadata.at("name").as_string()) + "-" + hash},
                           {"namespace", metadata.at("namespace")},
                           {"labels", pod_template.at("metadata").at("labels")},
                           {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                                        {"kind", "Deployment"},
                                                                        {"name", metadata.at("name")},
                                                                        {"uid", metadata.at("uid")},
                                                                        {"controller", true},
                                                                        {"blockOwnerDeletion", true}}}}};
  json::object spec{{"replicas", replicas}, {"selector", std::move(selector)}, {"template", std::move(pod_template)}};
  if (const auto* min_ready = FindPath(deployment, {"spec", "minReadySeconds"})) spec["minReadySeconds"] = *min_ready;
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", std::move(rs_metadata)},
          {"spec", std::move(spec)},
          {"status", json::object{{"replicas", 0}}}};
}

}  // namespace

std::string PodTemplateHash(const json::value& pod_template) {
  json::value copy = pod_template;
  if (auto* labels = const_cast<json::value*>(FindPath(copy, {"metadata", "labels"})); labels && labels->is_object()) {
    labels->as_object().erase(kHashLabel);
  }
  uint32_t hash = 2166136261u;
  for (unsigned char c : CanonicalJson(copy)) {
    hash ^= c;
    hash *= 16777619u;
  }
  // rand.SafeEncodeString of the decimal hash, as the controller names ReplicaSets.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (char digit : std::to_string(hash)) out += kAlphabet[static_cast<unsigned char>(digit) % kAlphabet.size()];
  return out;
}

std::string RestartInsensitiveHash(const json::value& pod_template) {
  json::value copy = pod_template;
  auto* annotations = const_cast<json::value*>(FindPath(copy, {"metadata", "annotations"}));
  if (annotations != nullptr && annotations->is_object()) {
    if (auto* value = annotations->as_object().if_contains("kubectl.kubernetes.io/restartedAt")) *value = "<time>";
  }
  return PodTemplateHash(copy);
}

bool TemplatesEqualIgnoringHash(const json::value& a, const json::value& b) {
  const auto strip = [](json::value copy) {
    if (auto* metadata = copy.is_object() ? copy.as_object().if_contains("metadata") : nullptr;
        metadata && metadata->is_object()) {
      if (auto* labels = metadata->as_object().if_contains("labels"); labels && labels->is_object()) {
        labels->as_object().erase(kHashLabel);
        if (labels->as_object().empty()) metadata->as_object().erase("labels");
      }
    }
    return copy;
  };
  return strip(a) == strip(b);
}

void SyncDeployment(State& state, const ObjectKey& key) {
  auto found = state.objects.find(key);
  if (found == state.objects.end()) return;
  json::object& deployment = found->second;
  const auto* pod_template = FindPath(deployment, {"spec", "template"});
  const std::string uid = StringAt(deployment, {"metadata", "uid"});
  if (pod_template == nullptr || FindPath(deployment, {"spec", "selector"}) == nullptr || uid.empty()) return;

  // The controlled ReplicaSets, oldest first (the order FindNewReplicaSet searches in).
  std::vector<json::object*> owned;
  for (auto& [rs_key, rs] : state.objects) {
    if (rs_key.kind == "ReplicaSet" && rs_key.ns == key.ns && IsControlledBy(rs, uid)) owned.push_back(&rs);
  }
  std::sort(owned.begin(), owned.end(), [](const json::object* a, const json::object* b) {
    const auto ta = StringAt(*a, {"metadata", "creationTimestamp"});
    const auto tb = StringAt(*b, {"metadata", "creationTimestamp"});
    return ta != tb ? ta < tb : StringAt(*a, {"metadata", "name"}) < StringAt(*b, {"metadata", "name"});
  });
  json::object* new_rs = nullptr;
  for (auto* rs : owned) {
    const auto* rs_template = FindPath(*rs, {"spec", "template"});
    if (rs_template != nullptr && TemplatesEqualIgnoringHash(*rs_template, *pod_template)) {
      new_rs = rs;
      break;
    }
  }
  // A paused Deployment gets no new ReplicaSet (the controller syncs it with createIfNotExisted=false).
  const auto* paused = FindPath(deployment, {"spec", "paused"});
  if (new_rs == nullptr && paused != nullptr && paused->is_bool() && paused->as_bool()) return;
  int64_t max_old_revision = 0;
  for (auto* rs : owned) {
    if (rs != new_rs) max_old_revision = std::max(max_old_revision, Revision(*rs).value_or(0));
  }
  const int64_t new_revision = max_old_revision + 1;
  const int64_t replicas = IntAt(deployment, {"spec", "replicas"}, 1);
  const int64_t max_replicas = replicas + MaxSurge(deployment, replicas);

  if (new_rs == nullptr) {
    const std::string hash = PodTemplateHash(*pod_template);
    json::object rs = NewReplicaSet(deployment, hash, replicas);
    SetNewReplicaSetAnnotations(deployment, rs, new_revision);
    SetAnnotation(rs, kDesiredReplicas, std::to_string(replicas));
    SetAnnotation(rs, kMaxReplicas, std::to_string(max_replicas));
    const ObjectKey rs_key = KeyOf(rs);
    // The uid is derived from the name the ReplicaSet would have without the restart time, so
    // that two fakes restarted at different seconds still give it the same uid.
    const std::string stable_name = key.name + "-" + RestartInsensitiveHash(*pod_template);
    rs["metadata"].as_object()["uid"] = state.NewUid(ObjectKey{"ReplicaSet", key.ns, stable_name});
    state.StampNew(rs, *FindKind("ReplicaSet"), rs_key);
    new_rs = &(state.objects[rs_key] = std::move(rs));
  } else {
    bool changed = SetNewReplicaSetAnnotations(deployment, *new_rs, new_revision);
    changed |= ScaleReplicaSet(*new_rs, replicas, replicas, max_replicas);
    if (changed) ObjectField(*new_rs, "metadata")["resourceVersion"] = state.NextResourceVersion();
  }
  for (auto* rs : owned) {
    if (rs != new_rs && ScaleReplicaSet(*rs, 0, replicas, max_replicas)) {
      ObjectField(*rs, "metadata")["resourceVersion"] = state.NextResourceVersion();
    }
  }
  // The controller writes the Deployment's revision through the status subresource, so the
  // generation stays as it is.
  const std::string revision = StringAt(*new_rs, {"metadata", "annotations", kRevision});
  json::object& stored = state.objects.at(key);
  if (SetAnnotation(stored, kRevision, revision)) {
    ObjectField(stored, "metadata")["resourceVersion"] = state.NextResourceVersion();
  }
}

}  // namespace runbookd::testing::fake_kube
