#pragma once

// Pieces of the fake Kubernetes API server shared by its .cpp files. Not for tests: they use
// fake_kube.hpp.

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "tests/support/fake_kube.hpp"
#include "tests/support/test_http_server.hpp"

namespace runbookd::testing::fake_kube {

namespace json = boost::json;

// One REST resource the fake serves, as discovery advertises it.
struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, as in URLs
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> verbs;
  bool has_status = false;  // a status subresource: writes to the main resource keep the stored status
};

const std::vector<ResourceType>& ResourceTypes();
const ResourceType* FindResource(std::string_view group, std::string_view version, std::string_view resource);
const ResourceType* FindKind(std::string_view kind);
std::string ApiVersionOf(const ResourceType& type);     // "apps/v1", "v1"
std::string GroupResourceOf(const ResourceType& type);  // "deployments.apps", "pods" (as in error messages)

// Discovery answers: /api, /apis, /api/v1, /apis/G/V. nullopt for any other path.
std::optional<json::value> DiscoveryDocument(std::string_view path, uint16_t port);
json::object VersionDocument(const std::string& minor);

// An error the API server reports as a `Status` object.
class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, std::string message, json::object details = {})
      : std::runtime_error(message), code_(code), reason_(std::move(reason)), details_(std::move(details)) {}
  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const json::object& details() const { return details_; }

 private:
  int code_;
  std::string reason_;
  json::object details_;
};

json::object StatusBody(int code, const std::string& reason, const std::string& message,
                        const json::object& details = {});
ApiError NotFound(const ResourceType& type, const std::string& name);
ApiError AlreadyExists(const ResourceType& type, const std::string& name);
ApiError Modified(const ResourceType& type, const std::string& name);  // the stale-resourceVersion 409
ApiError BadRequest(const std::string& message);
ApiError Invalid(const std::string& cause);  // 422 as the server sends for a patch that cannot apply

// Patches (fake_kube_patch.cpp). All throw ApiError.
json::value ApplyJsonPatch(const json::value& document, const json::value& patch);          // RFC 6902
json::value ApplyMergePatch(const json::value& target, const json::value& patch);           // RFC 7386
json::value ApplyStrategicMergePatch(const json::value& target, const json::value& patch);  // kubectl's subset

// Selectors (fake_kube_selectors.cpp). Parsing throws ApiError (400) like the server.
class LabelSelector {
 public:
  static LabelSelector Parse(std::string_view text);
  bool Matches(const json::object& labels) const;

 private:
  struct Requirement {
    std::string key;
    std::string op;  // "=", "!=", "in", "notin", "exists", "!"
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  static FieldSelector Parse(std::string_view text, const ResourceType& type);
  bool Matches(const json::object& object) const;

 private:
  struct Requirement {
    std::string field;
    bool equal = true;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

// A metav1.LabelSelector object rendered the way the server and kubectl print it ("app=web,tier in (a,b)").
std::string FormatLabelSelector(const json::object& selector);

// JSON with object keys sorted, so that equal values print equally.
std::string CanonicalJson(const json::value& value);
// The value at a path of object keys, or null. (The object overload matters: passing an object
// where a value is expected would build a temporary value and return a pointer into it.)
const json::value* FindPath(const json::value& root, std::initializer_list<std::string_view> path);
const json::value* FindPath(const json::object& root, std::initializer_list<std::string_view> path);

// Normalisation like the API server's decode/encode round trip (fake_kube_controller.cpp).
void Normalize(json::object& object, const ResourceType& type);

// The object store. Every member is used with State::mu held.
struct ObjectKey {
  std::string kind;
  std::string ns;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
};

struct Fault {
  std::string method;
  std::string path_prefix;
  int remaining = 0;
  int status = 500;
  std::string message;
};

struct Hold {
  std::string method;
  std::string path_prefix;
  HeldRequest what = HeldRequest::kApplied;
  std::chrono::milliseconds duration{0};
};

struct State {
  mutable std::mutex mu;
  std::map<ObjectKey, json::object> objects;
  int64_t resource_version = 1000;
  std::string uid_seed;                      // uids are derived from it, so equal states make equal uids
  std::map<std::string, int64_t> creations;  // per "kind/ns/name": how often it was created, for its uid
  std::map<ObjectKey, std::string> pod_logs;
  std::string version_minor;
  bool deployment_controller = true;
  FakeKubeOptions options;
  std::vector<KubeRequestRecord> requests;
  std::vector<Fault> faults;
  std::vector<Hold> holds;  // each catches one request
  uint16_t port = 0;

  // Store helpers (callers hold mu).
  std::string NextResourceVersion() { return std::to_string(++resource_version); }
  std::string NewUid(const ObjectKey& key);
  // Create-time fields: uid, creationTimestamp, resourceVersion, generation; then Normalize.
  void StampNew(json::object& object, const ResourceType& type, const ObjectKey& key);
  std::vector<const json::object*> ObjectsOf(std::string_view kind, std::string_view ns) const;
};

ObjectKey KeyOf(const json::object& object);  // throws std::invalid_argument for an object without kind/name
std::string NowRfc3339();

// The Deployment controller (fake_kube_controller.cpp): brings the ReplicaSets and the revision
// annotation in line with the Deployment's template. Caller holds mu.
void SyncDeployment(State& state, const ObjectKey& deployment);
std::string PodTemplateHash(const json::value& pod_template);
bool TemplatesEqualIgnoringHash(const json::value& a, const json::value& b);
// The hash of a template with the restartedAt annotation's value masked (for snapshots and uids).
std::string RestartInsensitiveHash(const json::value& pod_template);

// The REST API (fake_kube_rest.cpp). Takes mu itself.
TestResponse HandleRequest(State& state, const TestRequest& request);

// One request on a resource URL, parsed.
struct ResourceCall {
  const ResourceType* type = nullptr;
  std::string ns;  // empty for cluster-scoped resources and for lists across namespaces
  std::string name;
  std::string subresource;
  std::map<std::string, std::string> query;
  bool dry_run = false;  // ?dryRun=All: validate and answer without storing
};

std::map<std::string, std::string> ParseQuery(std::string_view query);
const json::object& Existing(const State& state, const ResourceCall& call);  // or NotFound

// Writes (fake_kube_writes.cpp), called with mu held; they return the response body.
json::object Create(State& state, const ResourceCall& call, const std::string& body);
json::object Replace(State& state, const ResourceCall& call, const std::string& body);  // PUT, also /status
json::object Patch(State& state, const ResourceCall& call, const std::string& content_type, const std::string& body);
json::object Delete(State& state, const ResourceCall& call, const std::string& body);
json::object ScaleOf(const json::object& deployment);  // the autoscaling/v1 Scale view
json::object ReplaceScale(State& state, const ResourceCall& call, const std::string& body);
json::object PatchScale(State& state, const ResourceCall& call, const std::string& content_type,
                        const std::string& body);

}  // namespace runbookd::testing::fake_kube
