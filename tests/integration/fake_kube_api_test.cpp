// FakeKube itself, over plain HTTP: optimistic concurrency, the three patch types, delete
// preconditions, auth, injected faults, the scale subresource, dry runs, discovery, and
// DumpState/LoadState/Snapshot (including replaying kubectl's request on a loaded copy).

#include <httplib.h>

#include <boost/json.hpp>

#include "tests/integration/fake_kube_test_helpers.hpp"

namespace runbookd::testing {
namespace {

namespace fx = kube_fixtures;
namespace json = boost::json;

constexpr const char* kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";

struct Answer {
  int status = 0;
  json::value body;  // null when the body is not JSON
};

Answer Call(const FakeKube& kube, const std::string& method, const std::string& path, const std::string& body = {},
            const std::string& content_type = "application/json", const std::string& token = {}) {
  httplib::Client client(kube.Url());
  if (!kube.ca_cert_file().empty()) client.set_ca_cert_path(kube.ca_cert_file());
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result result = [&] {
    if (method == "POST") return client.Post(path, headers, body, content_type);
    if (method == "PUT") return client.Put(path, headers, body, content_type);
    if (method == "PATCH") return client.Patch(path, headers, body, content_type);
    if (method == "DELETE") return client.Delete(path, headers, body, content_type);
    return client.Get(path, headers);
  }();
  REQUIRE(result);
  Answer answer{result->status, nullptr};
  boost::system::error_code ec;
  json::value parsed = json::parse(result->body, ec);
  if (!ec) answer.body = std::move(parsed);
  INFO(method << " " << path << " -> " << result->status << " " << result->body);
  return answer;
}

std::string Rv(const json::value& object) {
  return std::string(object.at("metadata").at("resourceVersion").as_string());
}

TEST_CASE("PUT with a stale resourceVersion is 409 Conflict, the current one succeeds") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  json::value current = Call(kube, "GET", kDeploymentPath).body;
  const std::string first_rv = Rv(current);

  current.at("spec").as_object()["replicas"] = 4;
  const auto updated = Call(kube, "PUT", kDeploymentPath, json::serialize(current));
  REQUIRE(updated.status == 200);
  CHECK(std::stoll(Rv(updated.body)) > std::stoll(first_rv));
  CHECK(updated.body.at("spec").at("replicas") == 4);
  CHECK(updated.body.at("metadata").at("generation") == 4);

  current.at("spec").as_object()["replicas"] = 6;  // still carries first_rv
  const auto stale = Call(kube, "PUT", kDeploymentPath, json::serialize(current));
  CHECK(stale.status == 409);
  CHECK(stale.body.at("kind") == "Status");
  CHECK(stale.body.at("reason") == "Conflict");
  CHECK(stale.body.at("message") ==
        "Operation cannot be fulfilled on deployments.apps \"ecommerce-backend\": the object has been modified; "
        "please apply your changes to the latest version and try again");
  CHECK(kube.Get("Deployment", "production", "ecommerce-backend")->at("spec").at("replicas") == 4);
}

TEST_CASE("A JSON patch whose test op fails is 422 Invalid and changes nothing") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  const auto before = *kube.Get("Deployment", "production", "ecommerce-backend");
  const auto answer = Call(kube, "PATCH", kDeploymentPath,
                           R"([{"op":"test","path":"/spec/replicas","value":7},
                               {"op":"replace","path":"/spec/replicas","value":1}])",
                           "application/json-patch+json");
  CHECK(answer.status == 422);
  CHECK(answer.body.at("reason") == "Invalid");
  CHECK(*kube.Get("Deployment", "production", "ecommerce-backend") == before);
}

TEST_CASE("JSON patch: add, copy, move, remove, replace and test with escaped pointers") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  const auto answer = Call(kube, "PATCH", kDeploymentPath, R"([
      {"op":"add","path":"/metadata/annotations/example.com~1owner","value":"team~a"},
      {"op":"copy","from":"/metadata/annotations/example.com~1owner","path":"/metadata/annotations/a~0b"},
      {"op":"move","from":"/metadata/annotations/custom","path":"/metadata/labels/moved"},
      {"op":"test","path":"/metadata/labels/moved","value":"deployment-only"},
      {"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"MODE","value":"safe"}},
      {"op":"add","path":"/spec/template/spec/containers/0/env/0","value":{"name":"FIRST","value":"1"}},
      {"op":"remove","path":"/spec/template/spec/containers/0/readinessProbe"},
      {"op":"replace","path":"/spec/replicas","value":2}])",
                           "application/json-patch+json");
  REQUIRE(answer.status == 200);
  const auto& meta = answer.body.at("metadata");
  CHECK(meta.at("annotations").at("example.com/owner") == "team~a");
  CHECK(meta.at("annotations").at("a~b") == "team~a");
  CHECK_FALSE(meta.at("annotations").as_object().contains("custom"));
  CHECK(meta.at("labels").at("moved") == "deployment-only");
  const auto& container = answer.body.at("spec").at("template").at("spec").at("containers").at(0);
  CHECK(container.at("env") == json::parse(R"([{"name":"FIRST","value":"1"},{"name":"LOG_LEVEL","value":"info"},
                                               {"name":"MODE","value":"safe"}])"));
  CHECK_FALSE(container.as_object().contains("readinessProbe"));
  CHECK(answer.body.at("spec").at("replicas") == 2);

  const auto missing = Call(kube, "PATCH", kDeploymentPath, R"([{"op":"remove","path":"/metadata/nothing"}])",
                            "application/json-patch+json");
  CHECK(missing.status == 422);
}

TEST_CASE("Merge patch: null deletes a key, objects merge, strategic merge merges containers by name") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  auto answer = Call(kube, "PATCH", kDeploymentPath, R"({"metadata":{"annotations":{"custom":null,"added":"yes"}}})",
                     "application/merge-patch+json");
  REQUIRE(answer.status == 200);
  const auto& annotations = answer.body.at("metadata").at("annotations").as_object();
  CHECK_FALSE(annotations.contains("custom"));
  CHECK(annotations.at("added") == "yes");
  CHECK(annotations.at("deployment.kubernetes.io/revision") == "3");

  answer = Call(kube, "PATCH", kDeploymentPath, R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"backend"}],
      "containers":[{"name":"backend","image":"registry.example.com/ecommerce-backend:2.0.0"}]}}}})",
                "application/strategic-merge-patch+json");
  REQUIRE(answer.status == 200);
  const auto& containers = answer.body.at("spec").at("template").at("spec").at("containers").as_array();
  REQUIRE(containers.size() == 1);
  CHECK(containers[0].at("image") == "registry.example.com/ecommerce-backend:2.0.0");
  CHECK(containers[0].at("imagePullPolicy") == "IfNotPresent");  // merged, not replaced

  answer = Call(kube, "PATCH", kDeploymentPath, "{}", "application/apply-patch+yaml");
  CHECK(answer.status == 415);
}

TEST_CASE("DELETE honours preconditions.uid and preconditions.resourceVersion") {
  FakeKube kube;
  fx::LoadStandardCluster(kube);
  const std::string path = "/api/v1/namespaces/production/pods/ecommerce-backend-0";
  const auto pod = *kube.Get("Pod", "production", "ecommerce-backend-0");
  const std::string uid(pod.at("metadata").at("uid").as_string());

  auto answer = Call(kube, "DELETE", path, R"({"preconditions":{"uid":"00000000-0000-4000-8000-000000000000"}})");
  CHECK(answer.status == 409);
  CHECK(answer.body.at("reason") == "Conflict");
  CHECK_THAT(std::string(answer.body.at("message").as_string()), Catch::Contains("Precondition failed: UID"));
  answer = Call(kube, "DELETE", path, R"({"preconditions":{"resourceVersion":"1"}})");
  CHECK(answer.status == 409);
  CHECK(kube.Get("Pod", "production", "ecommerce-backend-0"));

  answer =
      Call(kube, "DELETE", path,
           json::serialize(json::object{{"preconditions", json::object{{"uid", uid}, {"resourceVersion", Rv(pod)}}},
                                        {"propagationPolicy", "Foreground"}}));
  CHECK(answer.status == 200);
  answer = Call(kube, "GET", path);
  CHECK(answer.status == 404);
  CHECK(answer.body.at("reason") == "NotFound");
  CHECK(answer.body.at("message") == "pods \"ecommerce-backend-0\" not found");
}

TEST_CASE("Deleting a Deployment takes its ReplicaSets with it unless orphaned") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  CHECK(Call(kube, "DELETE", kDeploymentPath, R"({"propagationPolicy":"Orphan"})").status == 200);
  REQUIRE(kube.List("ReplicaSet", "production").size() == 3);
  for (const auto& rs : kube.List("ReplicaSet")) CHECK_FALSE(rs.at("metadata").as_object().contains("ownerReferences"));

  FakeKube cascading;
  fx::LoadDeploymentWithHistory(cascading);
  CHECK(Call(cascading, "DELETE", kDeploymentPath).status == 200);
  CHECK(cascading.List("ReplicaSet").empty());
}

TEST_CASE("Create, AlreadyExists, NotFound, and lists with selectors") {
  FakeKube kube;
  fx::LoadStandardCluster(kube);
  const std::string lease = R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
      "metadata":{"name":"runbookd","namespace":"ops"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}})";
  auto answer = Call(kube, "POST", "/apis/coordination.k8s.io/v1/namespaces/ops/leases", lease);
  REQUIRE(answer.status == 201);
  CHECK(answer.body.at("metadata").at("uid").as_string().size() == 36);
  answer = Call(kube, "POST", "/apis/coordination.k8s.io/v1/namespaces/ops/leases", lease);
  CHECK(answer.status == 409);
  CHECK(answer.body.at("reason") == "AlreadyExists");
  CHECK(answer.body.at("message") == "leases.coordination.k8s.io \"runbookd\" already exists");
  answer = Call(kube, "GET", "/apis/apps/v1/namespaces/production/deployments/nope");
  CHECK(answer.status == 404);
  CHECK(answer.body.at("message") == "deployments.apps \"nope\" not found");
  CHECK(answer.body.at("details") == json::parse(R"({"name":"nope","group":"apps","kind":"deployments"})"));

  answer = Call(kube, "GET", "/api/v1/namespaces/production/pods?labelSelector=app%20notin%20(image-puller),!missing");
  REQUIRE(answer.status == 200);
  CHECK(answer.body.at("kind") == "PodList");
  CHECK(answer.body.at("apiVersion") == "v1");
  CHECK(answer.body.at("items").as_array().size() == 3);
  CHECK(answer.body.at("items").at(0).at("kind") == "Pod");
  answer = Call(kube, "GET",
                "/api/v1/pods?labelSelector=app%3D%3Dimage-puller&fieldSelector=metadata.namespace%3Dproduction");
  CHECK(answer.body.at("items").as_array().size() == 2);
  answer =
      Call(kube, "GET", "/api/v1/namespaces/production/events?fieldSelector=involvedObject.name%3Decommerce-backend-1");
  CHECK(answer.body.at("items").as_array().size() == 1);
  answer = Call(kube, "GET", "/api/v1/namespaces/production/events?fieldSelector=type!%3DWarning");
  CHECK(answer.body.at("items").as_array().size() == 1);
  answer = Call(kube, "GET", "/apis/apps/v1/namespaces/production/deployments?watch=true&resourceVersion=5");
  CHECK(answer.status == 200);
  answer = Call(kube, "GET", "/api/v1/namespaces/production/pods/ecommerce-backend-0/log?tailLines=1");
  CHECK(answer.status == 200);
}

TEST_CASE("The scale subresource: GET, PUT with resourceVersion check, PATCH, dryRun stores nothing") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  const std::string path = std::string(kDeploymentPath) + "/scale";
  auto scale = Call(kube, "GET", path).body;
  CHECK(scale.at("apiVersion") == "autoscaling/v1");
  CHECK(scale.at("kind") == "Scale");
  CHECK(scale.at("spec").at("replicas") == 3);
  CHECK(scale.at("status") == json::parse(R"({"replicas":3,"selector":"app=ecommerce-backend"})"));
  const auto deployment = *kube.Get("Deployment", "production", "ecommerce-backend");
  CHECK(scale.at("metadata").at("uid") == deployment.at("metadata").at("uid"));
  CHECK(Rv(scale) == Rv(deployment));

  scale.at("spec").as_object()["replicas"] = 4;
  auto answer = Call(kube, "PUT", path, json::serialize(scale));
  REQUIRE(answer.status == 200);
  CHECK(answer.body.at("spec").at("replicas") == 4);
  answer = Call(kube, "PUT", path, json::serialize(scale));  // stale now
  CHECK(answer.status == 409);

  answer = Call(kube, "PATCH", path + "?dryRun=All", R"({"spec":{"replicas":9}})", "application/merge-patch+json");
  CHECK(answer.status == 200);
  CHECK(answer.body.at("spec").at("replicas") == 9);
  CHECK(kube.Get("Deployment", "production", "ecommerce-backend")->at("spec").at("replicas") == 4);
  answer = Call(kube, "PATCH", path, R"({"spec":{"replicas":1}})", "application/strategic-merge-patch+json");
  CHECK(answer.body.at("spec").at("replicas") == 1);
}

TEST_CASE("A bearer token is required when configured: 401 without it") {
  FakeKube kube({.auth = KubeAuth::kBearerToken});
  fx::LoadDeploymentWithHistory(kube);
  auto answer = Call(kube, "GET", kDeploymentPath);
  CHECK(answer.status == 401);
  CHECK(answer.body.at("reason") == "Unauthorized");
  CHECK(Call(kube, "GET", kDeploymentPath, {}, {}, "wrong").status == 401);
  CHECK(Call(kube, "GET", kDeploymentPath, {}, {}, kube.token()).status == 200);
}

TEST_CASE("FailNext answers the next N matching requests with a Status") {
  FakeKube kube;
  fx::LoadDeploymentWithHistory(kube);
  kube.FailNext("PATCH", "/apis/apps/v1/namespaces/production/deployments/", 2, 409, "busy");
  kube.FailNext("", "/api/v1/nodes", 1, 500);
  const std::string patch = R"({"spec":{"replicas":2}})";
  CHECK(Call(kube, "GET", kDeploymentPath).status == 200);
  auto answer = Call(kube, "PATCH", kDeploymentPath, patch, "application/merge-patch+json");
  CHECK(answer.status == 409);
  CHECK(answer.body.at("message") == "busy");
  CHECK(Call(kube, "PATCH", kDeploymentPath, patch, "application/merge-patch+json").status == 409);
  CHECK(Call(kube, "PATCH", kDeploymentPath, patch, "application/merge-patch+json").status == 200);
  CHECK(Call(kube, "GET", "/api/v1/nodes").status == 500);
  CHECK(Call(kube, "GET", "/api/v1/nodes").status == 200);
  const auto log = kube.Requests();
  REQUIRE(log.size() == 6);
  CHECK(log[1].content_type == "application/merge-patch+json");
  CHECK(log[1].body == patch);
  CHECK(log[1].status == 409);
}

TEST_CASE("Discovery advertises only served group versions, with the Scale kind of deployments/scale") {
  FakeKube kube;
  const auto groups = Call(kube, "GET", "/apis").body.at("groups").as_array();
  CHECK(groups.size() == 3);
  const auto apps = Call(kube, "GET", "/apis/apps/v1").body.at("resources").as_array();
  bool scale = false;
  for (const auto& resource : apps) {
    if (resource.at("name") == "deployments/scale") {
      scale = resource.at("group") == "autoscaling" && resource.at("version") == "v1" && resource.at("kind") == "Scale";
    }
  }
  CHECK(scale);
  kube.SetVersionMinor("31");
  CHECK(Call(kube, "GET", "/version").body.at("minor") == "31");
}

TEST_CASE("DumpState/LoadState: equal snapshots, and kubectl's request replayed on the copy ends equal") {
  FakeKube original;
  fx::LoadStandardCluster(original);
  FakeKube copy;
  copy.LoadState(original.DumpState());
  CHECK(CanonicalJsonText(copy.Snapshot()) == CanonicalJsonText(original.Snapshot()));

  // kubectl acts on one fake; the same request, sent natively, on the other (at another second,
  // so restartedAt differs and the controller's ReplicaSet names differ too, before masking).
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  original.SetVersionMinor(minor);
  TempDir dir;
  const auto result =
      RunKubectl(original.WriteKubeconfig(dir.path()), {"rollout", "restart", "deployment/ecommerce-backend"});
  REQUIRE(result.exit_code == 0);
  const auto sent = original.ApiRequests();
  REQUIRE(!sent.empty());
  const auto& patch = sent.back();
  REQUIRE(patch.method == "PATCH");
  const std::string native_body =
      R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2000-01-01T00:00:00Z"}}}}})";
  REQUIRE(Call(copy, "PATCH", patch.target, native_body, patch.content_type).status == 200);
  const std::string kubectl_side = CanonicalJsonText(original.Snapshot());
  CHECK(kubectl_side == CanonicalJsonText(copy.Snapshot()));
  CHECK_THAT(kubectl_side, Catch::Contains("\"kubectl.kubernetes.io/restartedAt\": \"<time>\""));
}

}  // namespace
}  // namespace runbookd::testing

namespace runbookd::testing {
namespace {

TEST_CASE("kubectl rollout undo and the same JSON patch sent natively to a loaded copy end equal") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  FakeKube original({.version_minor = minor});
  kube_fixtures::LoadStandardCluster(original);
  FakeKube copy;
  copy.LoadState(original.DumpState());

  TempDir dir;
  const auto result =
      RunKubectl(original.WriteKubeconfig(dir.path()), {"rollout", "undo", "deployment/ecommerce-backend"});
  REQUIRE(result.exit_code == 0);
  const auto sent = original.ApiRequests();
  REQUIRE(!sent.empty());
  const auto& patch = sent.back();
  REQUIRE(patch.method == "PATCH");
  REQUIRE(Call(copy, patch.method, patch.target, patch.body, patch.content_type).status == 200);
  CHECK(CanonicalJsonText(original.Snapshot()) == CanonicalJsonText(copy.Snapshot()));
  // Without masking too: same uids, names and generations; only resourceVersions and times differ.
  const auto a = *original.Get("Deployment", "production", "ecommerce-backend");
  const auto b = *copy.Get("Deployment", "production", "ecommerce-backend");
  CHECK(a.at("metadata").at("uid") == b.at("metadata").at("uid"));
  CHECK(a.at("spec") == b.at("spec"));
}

}  // namespace
}  // namespace runbookd::testing
