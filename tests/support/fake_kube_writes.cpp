// Writes through the REST API: create, replace (PUT, optimistic concurrency on
// resourceVersion), patch (three types), delete (preconditions, propagation) and the
// deployments/scale subresource. The rules follow the API server's registry strategies for the
// kinds served: writes to the main resource keep the stored status, writes to /status keep the
// spec, a Deployment's generation moves with its spec or annotations (a ReplicaSet's with its
// spec), and a write that changes nothing keeps the resourceVersion.

#include <random>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

json::object ParseObject(const std::string& body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    throw BadRequest(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf");
  }
  return std::move(value.as_object());
}

json::object& Metadata(json::object& object) {
  auto& value = object["metadata"];
  if (!value.is_object()) value = json::object();
  return value.as_object();
}

std::string MetaString(const json::object& object, std::string_view field) {
  const auto* value = FindPath(object, {"metadata", field});
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

ApiError PreconditionFailed(const ResourceType& type, const std::string& name, const std::string& what,
                            const std::string& wanted, const std::string& actual) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + GroupResourceOf(type) + " \"" + name +
                      "\": Precondition failed: " + what + " in precondition: " + wanted + ", " + what +
                      " in object meta: " + actual,
                  {{"name", name}, {"group", type.group}, {"kind", type.resource}});
}

bool Differs(const json::object& a, const json::object& b, std::string_view field) {
  const auto* x = a.if_contains(field);
  const auto* y = b.if_contains(field);
  if (x == nullptr || y == nullptr) return x != y;
  return *x != *y;
}

bool AnnotationsDiffer(const json::object& a, const json::object& b) {
  const auto* x = FindPath(a, {"metadata", "annotations"});
  const auto* y = FindPath(b, {"metadata", "annotations"});
  if (x == nullptr || y == nullptr) return x != y;
  return *x != *y;
}

void CopyField(json::object& to, const json::object& from, std::string_view field) {
  if (const auto* value = from.if_contains(field)) {
    to[field] = *value;
  } else {
    to.erase(field);
  }
}

// Commits `candidate` over the stored object the call names and returns what was (or, for a dry
// run, would have been) stored.
json::object Update(State& state, const ResourceCall& call, json::object candidate) {
  const ResourceType& type = *call.type;
  const json::object old = Existing(state, call);
  const bool status_only = call.subresource == "status";
  const std::string given_name = MetaString(candidate, "name");
  if (!given_name.empty() && given_name != call.name) {
    throw BadRequest("the name of the object (" + given_name + ") does not match the name on the URL (" + call.name +
                     ")");
  }
  const std::string given_ns = MetaString(candidate, "namespace");
  if (type.namespaced && !given_ns.empty() && given_ns != call.ns) {
    throw BadRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  const std::string old_rv = MetaString(old, "resourceVersion");
  const std::string given_rv = MetaString(candidate, "resourceVersion");
  if (!given_rv.empty() && given_rv != old_rv) throw Modified(type, call.name);
  const std::string given_uid = MetaString(candidate, "uid");
  if (!given_uid.empty() && given_uid != MetaString(old, "uid")) {
    throw PreconditionFailed(type, call.name, "UID", given_uid, MetaString(old, "uid"));
  }

  // Top-level members first: inserting into an object may move its other members.
  candidate["kind"] = type.kind;
  candidate["apiVersion"] = ApiVersionOf(type);
  if (status_only) {
    CopyField(candidate, old, "spec");
  } else if (type.has_status) {
    CopyField(candidate, old, "status");
  }
  const auto& old_meta = old.at("metadata").as_object();
  auto& meta = Metadata(candidate);
  meta["name"] = call.name;
  if (type.namespaced) meta["namespace"] = call.ns;
  for (const char* kept : {"uid", "creationTimestamp", "generation"}) CopyField(meta, old_meta, kept);
  if (status_only) CopyField(meta, old_meta, "labels");
  meta.erase("managedFields");
  meta["resourceVersion"] = old_rv;
  Normalize(candidate, type);  // (rebuilds the object: `meta` is fetched again below)

  const bool spec_changed = Differs(candidate, old, "spec");
  const bool annotations_changed = AnnotationsDiffer(candidate, old);
  auto& stored_meta = Metadata(candidate);
  const int64_t old_generation =
      stored_meta.contains("generation") ? stored_meta["generation"].to_number<int64_t>() : 0;
  if ((type.kind == "Deployment" && (spec_changed || annotations_changed)) ||
      (type.kind == "ReplicaSet" && spec_changed)) {
    stored_meta["generation"] = old_generation + 1;
  }
  if (candidate == old) return candidate;  // nothing changed: no write, same resourceVersion
  if (call.dry_run) return candidate;
  stored_meta["resourceVersion"] = state.NextResourceVersion();
  const ObjectKey key{type.kind, call.ns, call.name};
  state.objects[key] = candidate;
  if (type.kind == "Deployment" && !status_only && (spec_changed || annotations_changed) &&
      state.deployment_controller) {
    SyncDeployment(state, key);
  }
  return candidate;
}

std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

json::value ApplyPatchOfType(const json::value& target, const std::string& content_type, const std::string& body) {
  const std::string media = MediaType(content_type);
  const bool known = media == "application/json-patch+json" || media == "application/merge-patch+json" ||
                     media == "application/strategic-merge-patch+json";
  if (!known) {
    throw ApiError(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types include: "
                   "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                   "application/strategic-merge-patch+json");
  }
  boost::system::error_code ec;
  const json::value patch = json::parse(body, ec);
  if (ec) throw BadRequest("error decoding patch: " + ec.message());
  if (media == "application/json-patch+json") return ApplyJsonPatch(target, patch);
  if (media == "application/merge-patch+json") return ApplyMergePatch(target, patch);
  return ApplyStrategicMergePatch(target, patch);
}

json::object WithReplicas(State& state, const ResourceCall& call, const json::object& scale) {
  const json::object& deployment = Existing(state, call);
  const std::string given_rv = MetaString(scale, "resourceVersion");
  if (!given_rv.empty() && given_rv != MetaString(deployment, "resourceVersion")) {
    throw Modified(*call.type, call.name);
  }
  const auto* replicas = FindPath(scale, {"spec", "replicas"});
  if (replicas != nullptr && !replicas->is_number()) throw BadRequest("Scale.spec.replicas must be an integer");
  json::object updated = deployment;
  Metadata(updated).erase("resourceVersion");
  updated["spec"].as_object()["replicas"] = replicas ? replicas->to_number<int64_t>() : 0;
  return ScaleOf(Update(state, call, std::move(updated)));
}

}  // namespace

json::object Create(State& state, const ResourceCall& call, const std::string& body) {
  const ResourceType& type = *call.type;
  if (type.namespaced && call.ns.empty()) {
    throw ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  }
  json::object candidate = ParseObject(body);
  if (const auto* kind = candidate.if_contains("kind"); kind && kind->is_string() && kind->as_string() != type.kind) {
    throw BadRequest("the kind of the object (" + std::string(kind->as_string()) + ") does not match the URL (" +
                     type.kind + ")");
  }
  auto& meta = Metadata(candidate);
  if (!MetaString(candidate, "resourceVersion").empty()) {
    throw BadRequest("resourceVersion should not be set on objects to be created");
  }
  std::string name = MetaString(candidate, "name");
  if (name.empty() && !MetaString(candidate, "generateName").empty()) {
    static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::random_device random;
    name = MetaString(candidate, "generateName");
    for (int i = 0; i < 5; ++i) name += kAlphabet[random() % kAlphabet.size()];
  }
  if (name.empty()) {
    throw ApiError(422, "Invalid",
                   type.kind + " \"\" is invalid: metadata.name: Required value: name or generateName is required");
  }
  const std::string given_ns = MetaString(candidate, "namespace");
  if (type.namespaced && !given_ns.empty() && given_ns != call.ns) {
    throw BadRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  const ObjectKey key{type.kind, type.namespaced ? call.ns : "", name};
  if (state.objects.contains(key)) throw AlreadyExists(type, name);
  meta["name"] = name;
  for (const char* assigned : {"uid", "creationTimestamp", "generation", "managedFields"}) meta.erase(assigned);
  if (type.kind == "Deployment") candidate["status"] = json::object();
  if (type.kind == "ReplicaSet") candidate["status"] = json::object{{"replicas", 0}};

  // A dry run answers with what would be stored but leaves the counters (and so later uids and
  // resourceVersions) as they were.
  const int64_t saved_rv = state.resource_version;
  const auto saved_creations = state.creations;
  state.StampNew(candidate, type, key);
  if (call.dry_run) {
    state.resource_version = saved_rv;
    state.creations = saved_creations;
    return candidate;
  }
  state.objects[key] = candidate;
  if (type.kind == "Deployment" && state.deployment_controller) SyncDeployment(state, key);
  return candidate;
}

json::object Replace(State& state, const ResourceCall& call, const std::string& body) {
  return Update(state, call, ParseObject(body));
}

json::object Patch(State& state, const ResourceCall& call, const std::string& content_type, const std::string& body) {
  const json::object& old = Existing(state, call);
  json::value patched = ApplyPatchOfType(old, content_type, body);
  if (!patched.is_object()) throw BadRequest("the patched document is not a JSON object");
  return Update(state, call, std::move(patched.as_object()));
}

json::object Delete(State& state, const ResourceCall& call, const std::string& body) {
  const ResourceType& type = *call.type;
  const json::object& old = Existing(state, call);
  const json::object options = body.empty() ? json::object() : ParseObject(body);
  const std::string uid = MetaString(old, "uid");
  if (const auto* wanted = FindPath(options, {"preconditions", "uid"}); wanted && wanted->is_string()) {
    if (wanted->as_string() != uid)
      throw PreconditionFailed(type, call.name, "UID", std::string(wanted->as_string()), uid);
  }
  if (const auto* wanted = FindPath(options, {"preconditions", "resourceVersion"}); wanted && wanted->is_string()) {
    const std::string rv = MetaString(old, "resourceVersion");
    if (wanted->as_string() != rv) {
      throw PreconditionFailed(type, call.name, "ResourceVersion", std::string(wanted->as_string()), rv);
    }
  }
  const auto* policy = options.if_contains("propagationPolicy");
  const std::string propagation = policy && policy->is_string() ? std::string(policy->as_string()) : "Background";
  if (propagation != "Background" && propagation != "Foreground" && propagation != "Orphan") {
    throw ApiError(
        422, "Invalid",
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"" + propagation + "\"");
  }
  const json::object success{
      {"kind", "Status"},
      {"apiVersion", "v1"},
      {"metadata", json::object()},
      {"status", "Success"},
      {"details", json::object{{"name", call.name}, {"group", type.group}, {"kind", type.resource}, {"uid", uid}}}};
  if (call.dry_run) return success;

  // The garbage collector's part, done at once: dependents go too, or lose the owner reference.
  std::vector<std::string> gone_uids{uid};
  state.objects.erase(ObjectKey{type.kind, call.ns, call.name});
  state.pod_logs.erase(ObjectKey{type.kind, call.ns, call.name});
  state.NextResourceVersion();
  while (!gone_uids.empty()) {
    const std::string owner = gone_uids.back();
    gone_uids.pop_back();
    for (auto it = state.objects.begin(); it != state.objects.end();) {
      auto* refs = it->second["metadata"].as_object().if_contains("ownerReferences");
      bool owned = false;
      if (refs && refs->is_array()) {
        auto& list = refs->as_array();
        for (auto ref = list.begin(); ref != list.end();) {
          const auto* ref_uid = FindPath(*ref, {"uid"});
          if (ref_uid && ref_uid->is_string() && ref_uid->as_string() == owner) {
            owned = true;
            ref = propagation == "Orphan" ? list.erase(ref) : ref + 1;
          } else {
            ++ref;
          }
        }
        if (list.empty()) it->second["metadata"].as_object().erase("ownerReferences");
      }
      if (owned && propagation != "Orphan") {
        gone_uids.push_back(MetaString(it->second, "uid"));
        it = state.objects.erase(it);
        state.NextResourceVersion();
        continue;
      }
      if (owned) it->second["metadata"].as_object()["resourceVersion"] = state.NextResourceVersion();
      ++it;
    }
  }
  return success;
}

json::object ScaleOf(const json::object& deployment) {
  const auto& meta = deployment.at("metadata").as_object();
  json::object scale_meta;
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (const auto* value = meta.if_contains(field)) scale_meta[field] = *value;
  }
  const auto* replicas = FindPath(deployment, {"spec", "replicas"});
  const auto* status_replicas = FindPath(deployment, {"status", "replicas"});
  const auto* selector = FindPath(deployment, {"spec", "selector"});
  json::object spec;  // ScaleSpec.replicas is omitempty: 0 replicas print as {}
  const int64_t desired = replicas && replicas->is_number() ? replicas->to_number<int64_t>() : 1;
  if (desired != 0) spec["replicas"] = desired;
  json::object status{
      {"replicas", status_replicas && status_replicas->is_number() ? *status_replicas : json::value(0)}};
  if (selector && selector->is_object()) {
    const std::string rendered = FormatLabelSelector(selector->as_object());
    if (!rendered.empty()) status["selector"] = rendered;
  }
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", std::move(scale_meta)},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}

json::object ReplaceScale(State& state, const ResourceCall& call, const std::string& body) {
  return WithReplicas(state, call, ParseObject(body));
}

json::object PatchScale(State& state, const ResourceCall& call, const std::string& content_type,
                        const std::string& body) {
  const json::value patched = ApplyPatchOfType(ScaleOf(Existing(state, call)), content_type, body);
  if (!patched.is_object()) throw BadRequest("the patched Scale is not a JSON object");
  return WithReplicas(state, call, patched.as_object());
}

}  // namespace runbookd::testing::fake_kube
