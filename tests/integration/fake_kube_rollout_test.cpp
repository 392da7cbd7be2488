// The real kubectl (1.29 and 1.33, chosen by the fake's /version) against FakeKube: rollout
// undo, restart and status. Each case checks what kubectl sent (protocol-facts §1.2, §1.3, §1.6)
// and the state the fake ends with, including what its Deployment controller did.

#include <boost/json.hpp>

#include "tests/integration/fake_kube_test_helpers.hpp"

namespace runbookd::testing {
namespace {

namespace fx = kube_fixtures;
namespace json = boost::json;

constexpr const char* kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";

std::string Annotation(const json::object& object, const std::string& key) {
  const auto& meta = object.at("metadata").as_object();
  const auto* annotations = meta.if_contains("annotations");
  if (annotations == nullptr) return {};
  const auto* value = annotations->as_object().if_contains(key);
  return value ? std::string(value->as_string()) : std::string();
}

// The requests kubectl itself sent (not the dispatcher's /version, not discovery).
std::vector<KubeRequestRecord> KubectlApiRequests(const FakeKube& kube) {
  std::vector<KubeRequestRecord> out;
  for (auto& r : kube.ApiRequests()) {
    if (!r.user_agent.starts_with("kubectl-dispatcher/")) out.push_back(r);
  }
  return out;
}

bool AnyPatch(const FakeKube& kube) {
  for (const auto& r : kube.Requests()) {
    if (r.method == "PATCH") return true;
  }
  return false;
}

// The ReplicaSet of the fixture revision `revision`, as the fake holds it now.
json::object FixtureReplicaSet(const FakeKube& kube, const fx::DeploymentWithHistory& made, int revision) {
  const std::string name(made.replica_sets.at(static_cast<size_t>(revision - 1)).at("metadata").at("name").as_string());
  auto rs = kube.Get("ReplicaSet", "production", name);
  REQUIRE(rs);
  return *rs;
}

TEST_CASE("kubectl rollout undo: GET, GET, LIST, one JSON patch, the controller adds a revision") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  const auto made = fx::LoadDeploymentWithHistory(setup.kube);

  const auto result = setup.Run({"rollout", "undo", "deployment/ecommerce-backend", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "deployment.apps/ecommerce-backend rolled back\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));

  const auto sent = KubectlApiRequests(setup.kube);
  REQUIRE(sent.size() == 4);
  CHECK(sent[0].method == "GET");
  CHECK(sent[0].path == kDeploymentPath);
  CHECK(sent[1].method == "GET");
  CHECK(sent[1].path == kDeploymentPath);
  CHECK(sent[2].method == "GET");
  CHECK(sent[2].path == "/apis/apps/v1/namespaces/production/replicasets");
  CHECK(sent[2].query.at("labelSelector") == "app=ecommerce-backend");
  CHECK(sent[3].method == "PATCH");
  CHECK(sent[3].path == kDeploymentPath);
  CHECK(sent[3].content_type == "application/json-patch+json");
  const auto ops = json::parse(sent[3].body).as_array();
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].at("op") == "replace");
  CHECK(ops[0].at("path") == "/spec/template");
  CHECK(ops[1].at("op") == "replace");
  CHECK(ops[1].at("path") == "/metadata/annotations");

  const auto deployment = *setup.kube.Get("Deployment", "production", "ecommerce-backend");
  CHECK(deployment.at("spec").at("template") == json::value(fx::PodTemplateForRevision("ecommerce-backend", 2)));
  // §1.2 annotation merge: the Deployment-only `custom` is gone, the RS's `rs-note` came over,
  // last-applied-configuration stayed; then the controller set the new revision.
  CHECK(Annotation(deployment, "custom").empty());
  CHECK(Annotation(deployment, "rs-note") == "from-revision-2");
  CHECK(Annotation(deployment, "kubectl.kubernetes.io/last-applied-configuration") ==
        Annotation(made.deployment, "kubectl.kubernetes.io/last-applied-configuration"));
  CHECK(Annotation(deployment, "deployment.kubernetes.io/revision") == "4");
  CHECK(deployment.at("metadata").at("generation") == 4);

  const auto reused = FixtureReplicaSet(setup.kube, made, 2);
  CHECK(Annotation(reused, "deployment.kubernetes.io/revision") == "4");
  CHECK(Annotation(reused, "deployment.kubernetes.io/revision-history") == "2");
  CHECK(reused.at("spec").at("replicas") == 3);
  CHECK(FixtureReplicaSet(setup.kube, made, 3).at("spec").at("replicas") == 0);
  CHECK(setup.kube.List("ReplicaSet", "production").size() == 3);  // reused, none created
}

TEST_CASE("kubectl rollout undo --to-revision=1 restores revision 1's template") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  const auto made = fx::LoadDeploymentWithHistory(setup.kube);

  const auto result =
      setup.Run({"rollout", "undo", "deployment/ecommerce-backend", "-n", "production", "--to-revision=1"});
  REQUIRE(result.exit_code == 0);
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  const auto deployment = *setup.kube.Get("Deployment", "production", "ecommerce-backend");
  CHECK(deployment.at("spec").at("template") == json::value(fx::PodTemplateForRevision("ecommerce-backend", 1)));
  CHECK(Annotation(deployment, "rs-note") == "from-revision-1");
  CHECK(Annotation(deployment, "deployment.kubernetes.io/revision") == "4");
  CHECK(Annotation(FixtureReplicaSet(setup.kube, made, 1), "deployment.kubernetes.io/revision") == "4");
}

TEST_CASE("kubectl rollout undo to a revision that does not exist fails and changes nothing") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadDeploymentWithHistory(setup.kube);
  const auto before = setup.kube.Snapshot();

  const auto result =
      setup.Run({"rollout", "undo", "deployment/ecommerce-backend", "-n", "production", "--to-revision=7"});
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.err, Catch::Contains("unable to find specified revision 7 in history"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  CHECK_FALSE(AnyPatch(setup.kube));
  CHECK(setup.kube.Snapshot() == before);
}

TEST_CASE("kubectl rollout undo of a paused deployment is refused without a PATCH") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadDeploymentWithHistory(setup.kube, {.paused = true});

  const auto result = setup.Run({"rollout", "undo", "deployment/ecommerce-backend", "-n", "production"});
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.err, Catch::Contains("you cannot rollback a paused deployment; resume it first with "
                                         "'kubectl rollout resume' and try again"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  CHECK_FALSE(AnyPatch(setup.kube));
}

TEST_CASE("kubectl rollout undo to the running revision is skipped") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadDeploymentWithHistory(setup.kube);

  const auto result =
      setup.Run({"rollout", "undo", "deployment/ecommerce-backend", "-n", "production", "--to-revision=3"});
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("skipped rollback (current template already matches revision 3)"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  CHECK_FALSE(AnyPatch(setup.kube));
}

TEST_CASE("kubectl rollout restart: strategic merge patch, restartedAt lands in the template") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  const auto made = fx::LoadDeploymentWithHistory(setup.kube);

  const auto result = setup.Run({"rollout", "restart", "deployment/ecommerce-backend", "-n", "production"});
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "deployment.apps/ecommerce-backend restarted\n");
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  const auto sent = KubectlApiRequests(setup.kube);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].method == "GET");
  CHECK(sent[1].method == "PATCH");
  CHECK(sent[1].path == kDeploymentPath);
  CHECK(sent[1].query.at("fieldManager") == "kubectl-rollout");
  CHECK(sent[1].content_type == "application/strategic-merge-patch+json");
  const auto patch = json::parse(sent[1].body);
  const std::string restarted_at(patch.at("spec")
                                     .at("template")
                                     .at("metadata")
                                     .at("annotations")
                                     .at("kubectl.kubernetes.io/restartedAt")
                                     .as_string());

  const auto deployment = *setup.kube.Get("Deployment", "production", "ecommerce-backend");
  const auto& template_meta = deployment.at("spec").at("template").at("metadata").as_object();
  CHECK(template_meta.at("annotations").at("kubectl.kubernetes.io/restartedAt") == json::value(restarted_at));
  CHECK(Annotation(deployment, "deployment.kubernetes.io/revision") == "4");
  // The controller made a ReplicaSet for the new template, named by its hash.
  const std::string hash = fx::TemplateHash(deployment.at("spec").at("template").as_object());
  const auto created = setup.kube.Get("ReplicaSet", "production", "ecommerce-backend-" + hash);
  REQUIRE(created);
  CHECK(Annotation(*created, "deployment.kubernetes.io/revision") == "4");
  CHECK(created->at("metadata").at("labels").at("pod-template-hash") == json::value(hash));
  CHECK(created->at("metadata").at("ownerReferences").at(0).at("uid") == json::value(made.uid));
  CHECK(created->at("spec").at("replicas") == 3);
  CHECK(FixtureReplicaSet(setup.kube, made, 3).at("spec").at("replicas") == 0);
}

TEST_CASE("kubectl rollout status on a complete deployment succeeds, with and without watch") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  const bool watch = GENERATE(false, true);
  KubectlSetup setup(minor);
  fx::LoadDeploymentWithHistory(setup.kube);

  std::vector<std::string> args = {"rollout", "status", "deployment/ecommerce-backend", "-n", "production"};
  if (!watch) args.push_back("--watch=false");
  const auto result = setup.Run(args);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("deployment \"ecommerce-backend\" successfully rolled out"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
  bool listed = false;
  for (const auto& r : setup.kube.ApiRequests()) {
    if (r.path == "/apis/apps/v1/namespaces/production/deployments" && !r.query.contains("watch")) {
      listed = r.query.at("fieldSelector") == "metadata.name=ecommerce-backend";
    }
  }
  CHECK(listed);
}

TEST_CASE("kubectl rollout status on a deployment past its progress deadline fails") {
  const std::string minor = GENERATE(as<std::string>(), "29", "33");
  KubectlSetup setup(minor);
  fx::LoadDeploymentWithHistory(setup.kube, {.progress_deadline_exceeded = true});

  const auto result = setup.Run({"rollout", "status", "deployment/ecommerce-backend", "-n", "production"});
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.err, Catch::Contains("deployment \"ecommerce-backend\" exceeded its progress deadline"));
  CHECK(SentByKubectl(setup.kube.Requests(), minor));
}

}  // namespace
}  // namespace runbookd::testing
