// FakeKube's test-side API: the server's lifetime, the object store as tests see it (Put, Get,
// DumpState, Snapshot, ...), the request log and kubeconfig files.

#include "tests/support/fake_kube.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "tests/support/fake_kube_internal.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"

namespace runbookd::testing {

namespace fake_kube {

namespace {

uint64_t Fnv64(std::string_view text, uint64_t offset) {
  uint64_t hash = offset;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string Hex(uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) out[static_cast<size_t>(i)] = kDigits[value & 0xf];
  return out;
}

}  // namespace

std::string State::NewUid(const ObjectKey& key) {
  const int64_t count = ++creations[key.kind + "/" + key.ns + "/" + key.name];
  const std::string input = uid_seed + "|" + key.kind + "|" + key.ns + "|" + key.name + "|" + std::to_string(count);
  const uint64_t high = Fnv64(input, 14695981039346656037ull);
  const uint64_t low = Fnv64(input, 0x9e3779b97f4a7c15ull);
  // Shaped like a random (version 4) UUID, as the real server's uids are.
  return Hex(high >> 32, 8) + "-" + Hex((high >> 16) & 0xffff, 4) + "-4" + Hex(high & 0xfff, 3) + "-" +
         Hex(0x8000 | ((low >> 48) & 0x3fff), 4) + "-" + Hex(low & 0xffffffffffffull, 12);
}

void State::StampNew(json::object& object, const ResourceType& type, const ObjectKey& key) {
  object["kind"] = type.kind;
  object["apiVersion"] = ApiVersionOf(type);
  auto& meta_value = object["metadata"];
  if (!meta_value.is_object()) meta_value = json::object();
  auto& meta = meta_value.as_object();
  meta["name"] = key.name;
  if (type.namespaced) meta["namespace"] = key.ns;
  if (const auto* uid = meta.if_contains("uid"); uid == nullptr || !uid->is_string() || uid->as_string().empty()) {
    meta["uid"] = NewUid(key);
  }
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = NowRfc3339();
  if ((type.kind == "Deployment" || type.kind == "ReplicaSet") && !meta.contains("generation")) meta["generation"] = 1;
  meta["resourceVersion"] = NextResourceVersion();
  Normalize(object, type);
}

std::vector<const json::object*> State::ObjectsOf(std::string_view kind, std::string_view ns) const {
  std::vector<const json::object*> out;
  for (const auto& [key, object] : objects) {
    if (key.kind == kind && (ns.empty() || key.ns == ns)) out.push_back(&object);
  }
  return out;
}

ObjectKey KeyOf(const json::object& object) {
  const auto* kind = object.if_contains("kind");
  const auto* type = kind && kind->is_string() ? FindKind(kind->as_string()) : nullptr;
  if (type == nullptr)
    throw std::invalid_argument("FakeKube: object without a served kind: " + json::serialize(object));
  const auto* name = FindPath(object, {"metadata", "name"});
  if (name == nullptr || !name->is_string()) throw std::invalid_argument("FakeKube: object without metadata.name");
  const auto* ns = FindPath(object, {"metadata", "namespace"});
  std::string namespace_name = type->namespaced && ns && ns->is_string() ? std::string(ns->as_string()) : "";
  if (type->namespaced && namespace_name.empty()) namespace_name = "default";
  return {type->kind, namespace_name, std::string(name->as_string())};
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

// A served kind by its Kind ("Deployment") or its resource name ("deployments").
const ResourceType& TypeNamed(std::string_view name) {
  if (const auto* type = FindKind(name)) return *type;
  for (const auto& type : ResourceTypes()) {
    if (type.resource == name) return type;
  }
  throw std::invalid_argument("FakeKube: unknown kind " + std::string(name));
}

void MaskRestartedAt(json::value* annotations) {
  if (annotations == nullptr || !annotations->is_object()) return;
  if (auto* value = annotations->as_object().if_contains("kubectl.kubernetes.io/restartedAt")) *value = "<time>";
}

// Renames a ReplicaSet this fake generated after the hash of its template with restart times
// masked, so that two fakes that restarted at different seconds compare equal.
void StabiliseGeneratedHash(json::object& rs, const json::object& original) {
  const auto* label = FindPath(original, {"metadata", "labels", "pod-template-hash"});
  const auto* pod_template = FindPath(original, {"spec", "template"});
  if (label == nullptr || !label->is_string() || pod_template == nullptr) return;
  const std::string hash(label->as_string());
  if (PodTemplateHash(*pod_template) != hash) return;  // not named by this fake's controller
  const std::string stable = RestartInsensitiveHash(*pod_template);
  if (stable == hash) return;
  auto& meta = rs["metadata"].as_object();
  std::string name(meta["name"].as_string());
  if (name.ends_with("-" + hash)) meta["name"] = name.substr(0, name.size() - hash.size()) + stable;
  for (auto* labels : {FindPath(rs, {"metadata", "labels"}), FindPath(rs, {"spec", "selector", "matchLabels"}),
                       FindPath(rs, {"spec", "template", "metadata", "labels"})}) {
    if (labels != nullptr && labels->is_object() && labels->as_object().contains("pod-template-hash")) {
      const_cast<json::value*>(labels)->as_object()["pod-template-hash"] = stable;
    }
  }
}

}  // namespace

}  // namespace fake_kube

using fake_kube::FindPath;
using fake_kube::State;
namespace json = boost::json;

bool KubeRequestRecord::IsDiscovery() const {
  if (path == "/version" || path == "/api" || path == "/apis" || path == "/api/v1") return true;
  return path.starts_with("/apis/") && std::count(path.begin(), path.end(), '/') <= 3;
}

FakeKube::FakeKube(FakeKubeOptions options) : state_(std::make_unique<State>()) {
  std::random_device random;
  state_->uid_seed = fake_kube::Hex((static_cast<uint64_t>(random()) << 32) | random(), 16);
  state_->version_minor = options.version_minor;
  state_->deployment_controller = options.deployment_controller;
  std::optional<TestServerTls> tls;
  const bool with_tls = options.auth == KubeAuth::kClientCert || options.tls.value_or(options.auth != KubeAuth::kNone);
  if (with_tls) {
    certs_ = std::make_unique<TestCerts>();
    tls = TestServerTls{certs_->server.chain, certs_->server.key, ""};
    if (options.auth == KubeAuth::kClientCert) {
      tls->client_ca_file = certs_->ca.ca_cert();
      client_cert_file_ = certs_->client.cert;
      client_key_file_ = certs_->client.key;
    }
  }
  state_->options = std::move(options);
  State* state = state_.get();
  server_ = std::make_unique<TestHttpServer>(
      [state](const TestRequest& request) { return fake_kube::HandleRequest(*state, request); }, tls);
  std::lock_guard lock(state_->mu);
  state_->port = server_->port();
}

FakeKube::~FakeKube() { server_.reset(); }

std::string FakeKube::Url() const {
  std::string url = server_->Url("/");
  url.pop_back();
  return url;
}

uint16_t FakeKube::port() const { return server_->port(); }
std::string FakeKube::ca_cert_file() const { return certs_ ? certs_->ca.ca_cert() : std::string(); }
std::string FakeKube::client_cert_file() const { return client_cert_file_; }
std::string FakeKube::client_key_file() const { return client_key_file_; }

std::string FakeKube::token() const {
  std::lock_guard lock(state_->mu);
  return state_->options.token;
}

void FakeKube::SetVersionMinor(std::string minor) {
  std::lock_guard lock(state_->mu);
  state_->version_minor = std::move(minor);
}

void FakeKube::SetDeploymentController(bool enabled) {
  std::lock_guard lock(state_->mu);
  state_->deployment_controller = enabled;
}

void FakeKube::FailNext(std::string method, std::string path_prefix, int count, int status, std::string message) {
  std::lock_guard lock(state_->mu);
  state_->faults.push_back({std::move(method), std::move(path_prefix), count, status, std::move(message)});
}

void FakeKube::HoldNext(std::string method, std::string path_prefix, HeldRequest what, std::chrono::milliseconds hold) {
  std::lock_guard lock(state_->mu);
  state_->holds.push_back({std::move(method), std::move(path_prefix), what, hold});
}

void FakeKube::SetPodLog(std::string_view ns, std::string_view pod, std::string text) {
  std::lock_guard lock(state_->mu);
  state_->pod_logs[{"Pod", std::string(ns), std::string(pod)}] = std::move(text);
}

json::object FakeKube::Put(json::object object) {
  std::lock_guard lock(state_->mu);
  const auto key = fake_kube::KeyOf(object);
  const auto& type = fake_kube::TypeNamed(key.kind);
  if (type.namespaced) object["metadata"].as_object()["namespace"] = key.ns;
  // Replacing without a uid keeps the stored identity, as an update would.
  if (auto it = state_->objects.find(key); it != state_->objects.end()) {
    auto& meta = object["metadata"].as_object();
    for (const char* kept : {"uid", "creationTimestamp"}) {
      if (!meta.contains(kept)) {
        if (const auto* old = FindPath(it->second, {"metadata", kept})) meta[kept] = *old;
      }
    }
  }
  state_->StampNew(object, type, key);
  state_->objects[key] = object;
  return object;
}

std::optional<json::object> FakeKube::Get(std::string_view kind, std::string_view ns, std::string_view name) const {
  std::lock_guard lock(state_->mu);
  const auto& type = fake_kube::TypeNamed(kind);
  auto it = state_->objects.find({type.kind, type.namespaced ? std::string(ns) : "", std::string(name)});
  if (it == state_->objects.end()) return std::nullopt;
  return it->second;
}

std::vector<json::object> FakeKube::List(std::string_view kind, std::string_view ns) const {
  std::lock_guard lock(state_->mu);
  std::vector<json::object> out;
  for (const auto* object : state_->ObjectsOf(fake_kube::TypeNamed(kind).kind, ns)) out.push_back(*object);
  return out;
}

bool FakeKube::Remove(std::string_view kind, std::string_view ns, std::string_view name) {
  std::lock_guard lock(state_->mu);
  const auto& type = fake_kube::TypeNamed(kind);
  if (state_->objects.erase({type.kind, type.namespaced ? std::string(ns) : "", std::string(name)}) == 0) return false;
  state_->NextResourceVersion();
  return true;
}

json::value FakeKube::DumpState() const {
  std::lock_guard lock(state_->mu);
  json::array objects;
  for (const auto& [key, object] : state_->objects) objects.push_back(object);
  json::object creations;
  for (const auto& [key, count] : state_->creations) creations[key] = count;
  json::array logs;
  for (const auto& [key, text] : state_->pod_logs) {
    logs.push_back(json::object{{"namespace", key.ns}, {"name", key.name}, {"text", text}});
  }
  return json::object{{"resourceVersion", state_->resource_version},
                      {"uidSeed", state_->uid_seed},
                      {"creations", std::move(creations)},
                      {"podLogs", std::move(logs)},
                      {"objects", std::move(objects)}};
}

void FakeKube::LoadState(const json::value& dumped) {
  const auto& in = dumped.as_object();
  std::lock_guard lock(state_->mu);
  state_->objects.clear();
  for (const auto& item : in.at("objects").as_array()) {
    json::object object = item.as_object();
    const auto key = fake_kube::KeyOf(object);
    fake_kube::Normalize(object, fake_kube::TypeNamed(key.kind));
    state_->objects[key] = std::move(object);
  }
  state_->creations.clear();
  for (const auto& [key, count] : in.at("creations").as_object()) state_->creations[key] = count.to_number<int64_t>();
  state_->pod_logs.clear();
  for (const auto& log : in.at("podLogs").as_array()) {
    state_->pod_logs[{"Pod", std::string(log.at("namespace").as_string()), std::string(log.at("name").as_string())}] =
        std::string(log.at("text").as_string());
  }
  state_->resource_version = in.at("resourceVersion").to_number<int64_t>();
  state_->uid_seed = std::string(in.at("uidSeed").as_string());
}

json::object FakeKube::Snapshot() const {
  std::map<std::string, json::object> sorted;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [key, original] : state_->objects) {
      json::object object = original;
      auto& meta = object["metadata"].as_object();
      for (const char* volatile_field : {"resourceVersion", "creationTimestamp", "managedFields"}) {
        meta.erase(volatile_field);
      }
      fake_kube::MaskRestartedAt(meta.if_contains("annotations"));
      if (auto* tmpl = const_cast<json::value*>(FindPath(object, {"spec", "template", "metadata"}))) {
        fake_kube::MaskRestartedAt(tmpl->as_object().if_contains("annotations"));
      }
      if (key.kind == "ReplicaSet") fake_kube::StabiliseGeneratedHash(object, original);
      const std::string name(object["metadata"].as_object()["name"].as_string());
      sorted[key.kind + " " + (key.ns.empty() ? "" : key.ns + "/") + name] = std::move(object);
    }
  }
  json::object out;
  for (auto& [name, object] : sorted) out[name] = std::move(object);
  return out;
}

std::vector<KubeRequestRecord> FakeKube::Requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}

std::vector<KubeRequestRecord> FakeKube::ApiRequests() const {
  std::lock_guard lock(state_->mu);
  std::vector<KubeRequestRecord> out;
  for (const auto& request : state_->requests) {
    if (!request.IsDiscovery()) out.push_back(request);
  }
  return out;
}

void FakeKube::ClearRequests() {
  std::lock_guard lock(state_->mu);
  state_->requests.clear();
}

std::string FakeKube::WriteKubeconfig(const std::string& dir) const {
  KubeconfigCredential credential;
  {
    std::lock_guard lock(state_->mu);
    if (state_->options.auth == KubeAuth::kBearerToken) credential.token = state_->options.token;
  }
  credential.client_cert_file = client_cert_file_;
  credential.client_key_file = client_key_file_;
  return WriteKubeconfig(dir, credential);
}

std::string FakeKube::WriteKubeconfig(const std::string& dir, const KubeconfigCredential& credential) const {
  std::string user;
  if (!credential.token.empty()) user += "    token: " + credential.token + "\n";
  if (!credential.client_cert_file.empty()) user += "    client-certificate: " + credential.client_cert_file + "\n";
  if (!credential.client_key_file.empty()) user += "    client-key: " + credential.client_key_file + "\n";
  std::string cluster = "    server: " + Url() + "\n";
  if (certs_) cluster += "    certificate-authority: " + ca_cert_file() + "\n";
  const std::string text = "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n" + cluster +
                           "users:\n- name: fake-user\n  user:" + (user.empty() ? " {}\n" : "\n" + user) +
                           "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake-user\n"
                           "    namespace: production\ncurrent-context: fake\n";
  const std::string path = (std::filesystem::path(dir) / "kubeconfig").string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace runbookd::testing
