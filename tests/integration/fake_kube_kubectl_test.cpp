// The real kubectl (1.29 and 1.33, chosen by the fake's /version) against FakeKube: get with
// selectors, scale, delete, and the three ways of authenticating. Each case checks the requests
// kubectl sent and the state the fake ends with.

#include <boost/json.hpp>

#include "tests/integration/fake_kube_test_helpers.hpp"
#include "tests/support/test_certs.hpp"

namespace runbookd::testing {
namespace {

namespace fx = kube_fixtures;
namespace json = boost::json;

const KubeRequestRecord* FindRequest(const std::vector<KubeRequestRecord>& requests, const std::string& method,
                                     const std::string& path) {
  for (const auto& r : requests) {
    if (r.method == method && r.path == path) return &r;
  }
  return nullptr;
}

TEST_CASE("kubectl get lists deployments, pods, nodes and services") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadStandardCluster(setup.kube);

  auto result = setup.Run({"get", "deployments"});  // the kubeconfig's namespace: production
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("ecommerce-backend"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  const auto requests = setup.kube.Requests();
  const auto* list = FindRequest(requests, "GET", "/apis/apps/v1/namespaces/production/deployments");
  REQUIRE(list != nullptr);
  CHECK(list->query.at("limit") == "500");
  CHECK_THAT(list->accept, Catch::Contains("as=Table"));  // answered with plain objects: kubectl falls back

  result = setup.Run({"get", "pods", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  for (const char* pod :
       {"ecommerce-backend-0", "ecommerce-backend-1", "ecommerce-backend-2", "image-puller-0", "image-puller-1"}) {
    CHECK_THAT(result.out, Catch::Contains(pod));
  }

  result = setup.Run({"get", "nodes"});
  REQUIRE(result.exit_code == 0);
  CHECK(FindRequest(setup.kube.Requests(), "GET", "/api/v1/nodes") != nullptr);
  for (const char* node : {"node-1", "node-2", "node-3"}) CHECK_THAT(result.out, Catch::Contains(node));

  result = setup.Run({"get", "svc", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  for (const char* service : {"ecommerce-backend", "search", "legacy-api"}) {
    CHECK_THAT(result.out, Catch::Contains(service));
  }
}

TEST_CASE("kubectl get with label and field selectors, and -o json of one object") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadStandardCluster(setup.kube);

  auto result = setup.Run({"get", "pods", "-l", "app in (image-puller)", "-o", "name"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "pod/image-puller-0\npod/image-puller-1\n");

  result = setup.Run({"get", "pods", "--field-selector", "status.phase!=Running", "-o", "name"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "pod/image-puller-0\npod/image-puller-1\n");

  result = setup.Run({"get", "events", "--field-selector", "type=Warning,involvedObject.kind=Pod", "-o", "name"});
  REQUIRE(result.exit_code == 0);
  CHECK(std::count(result.out.begin(), result.out.end(), '\n') == 2);

  result = setup.Run({"get", "deployment", "ecommerce-backend", "-o", "json"});
  REQUIRE(result.exit_code == 0);
  CHECK(json::parse(result.out) == json::value(*setup.kube.Get("Deployment", "production", "ecommerce-backend")));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));

  result = setup.Run({"get", "deployment", "no-such-thing"});
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.err, Catch::Contains("deployments.apps \"no-such-thing\" not found"));
}

TEST_CASE("kubectl scale patches the scale subresource with a merge patch") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  const auto made = fx::LoadDeploymentWithHistory(setup.kube);

  const auto result = setup.Run({"scale", "deployment/ecommerce-backend", "--replicas=5", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "deployment.apps/ecommerce-backend scaled\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  const auto requests = setup.kube.Requests();
  const auto* patch =
      FindRequest(requests, "PATCH", "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend/scale");
  REQUIRE(patch != nullptr);
  CHECK(patch->content_type == "application/merge-patch+json");
  CHECK(json::parse(patch->body) == json::parse(R"({"spec":{"replicas":5}})"));

  const auto deployment = *setup.kube.Get("Deployment", "production", "ecommerce-backend");
  CHECK(deployment.at("spec").at("replicas") == 5);
  CHECK(deployment.at("metadata").at("generation") == 4);
  const std::string current_rs(made.replica_sets.back().at("metadata").at("name").as_string());
  CHECK(setup.kube.Get("ReplicaSet", "production", current_rs)->at("spec").at("replicas") == 5);
}

TEST_CASE("kubectl delete pod sends DELETE with Background propagation, then sees 404") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadStandardCluster(setup.kube);

  const auto result = setup.Run({"delete", "pod", "ecommerce-backend-1", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "pod \"ecommerce-backend-1\" deleted\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  std::vector<KubeRequestRecord> sent;
  for (const auto& r : setup.kube.ApiRequests()) {
    if (!r.user_agent.starts_with("kubectl-dispatcher/")) sent.push_back(r);
  }
  REQUIRE(sent.size() >= 2);
  CHECK(sent[0].method == "DELETE");
  CHECK(sent[0].path == "/api/v1/namespaces/production/pods/ecommerce-backend-1");
  CHECK(json::parse(sent[0].body) == json::parse(R"({"propagationPolicy":"Background"})"));
  CHECK(sent[1].method == "GET");
  CHECK(sent[1].path == "/api/v1/namespaces/production/pods/ecommerce-backend-1");
  CHECK(sent[1].status == 404);
  CHECK_FALSE(setup.kube.Get("Pod", "production", "ecommerce-backend-1"));
}

TEST_CASE("kubectl logs, describe, rollout history, set image and cordon work against the fake") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadStandardCluster(setup.kube);

  auto result = setup.Run({"logs", "ecommerce-backend-0", "--tail=1"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "2024-05-01T10:00:01Z listening on :8080\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));

  result = setup.Run({"describe", "deployment", "ecommerce-backend"});
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("NewReplicaSet:   ecommerce-backend-"));
  CHECK_THAT(result.out, Catch::Contains("ScalingReplicaSet"));

  result = setup.Run({"rollout", "history", "deployment/ecommerce-backend"});
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("1         <none>") && Catch::Contains("3         <none>"));

  result = setup.Run({"set", "image", "deployment/ecommerce-backend", "backend=registry.example.com/other:2"});
  REQUIRE(result.exit_code == 0);
  const auto deployment = *setup.kube.Get("Deployment", "production", "ecommerce-backend");
  CHECK(deployment.at("spec").at("template").at("spec").at("containers").at(0).at("image") ==
        "registry.example.com/other:2");
  CHECK(deployment.at("metadata").at("annotations").at("deployment.kubernetes.io/revision") == "4");
  CHECK(setup.kube.List("ReplicaSet", "production").size() == 4);

  result = setup.Run({"cordon", "node-1"});
  REQUIRE(result.exit_code == 0);
  CHECK(setup.kube.Get("Node", "", "node-1")->at("spec").at("unschedulable") == true);
}

TEST_CASE("kubectl authenticates with the bearer token, a wrong token gets 401") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor, {.auth = KubeAuth::kBearerToken});
  fx::LoadStandardCluster(setup.kube);

  auto result = setup.Run({"get", "nodes", "-o", "name"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "node/node-1\nnode/node-2\nnode/node-3\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  for (const auto& r : setup.kube.Requests()) CHECK(r.authorization == "Bearer " + setup.kube.token());

  TempDir other;
  const auto wrong = setup.kube.WriteKubeconfig(other.path(), {.token = "not-the-token"});
  const auto refused = RunKubectl(wrong, {"get", "nodes"});
  CHECK(refused.exit_code != 0);
  int refused_requests = 0;
  for (const auto& r : setup.kube.Requests()) {
    if (r.authorization != "Bearer not-the-token") continue;
    ++refused_requests;
    CHECK(r.status == 401);
  }
  CHECK(refused_requests > 0);
  CHECK_THAT(refused.err, Catch::Contains("the server has asked for the client to provide credentials"));
}

TEST_CASE("kubectl with a client certificate: the fake's CA is accepted, another CA is not") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor, {.auth = KubeAuth::kClientCert});
  fx::LoadStandardCluster(setup.kube);

  auto result = setup.Run({"get", "nodes", "-o", "name"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "node/node-1\nnode/node-2\nnode/node-3\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  CHECK_THAT(setup.kube.Requests().back().client_cert_subject, Catch::Contains("runbookd-test-client"));

  TempDir other;
  TestCa rogue("rogue CA");
  const auto rogue_client = rogue.Issue({.common_name = "rogue-client", .client_auth = true}, "rogue-client");
  const auto kubeconfig = setup.kube.WriteKubeconfig(
      other.path(), {.client_cert_file = rogue_client.cert, .client_key_file = rogue_client.key});
  setup.kube.ClearRequests();
  result = RunKubectl(kubeconfig, {"get", "nodes"});
  CHECK(result.exit_code != 0);
  CHECK(setup.kube.Requests().empty());  // no request got past the handshake
}

}  // namespace
}  // namespace runbookd::testing
