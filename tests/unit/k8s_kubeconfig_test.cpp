// Reading kubernetes connections: kubeconfig contexts, files, -data keys, exec plugins.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "daemon/clients/k8s/base64.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/unit/k8s_kubeconfig_test_util.hpp"

using namespace runbookd;
using runbookd::testing::ReadFile;
using runbookd::testing::TempDir;
using namespace runbookd::k8s_test;

namespace {

// A kubeconfig with two contexts: "staging" (current, token) and "production" (namespace
// production, user with a tokenFile).
std::string TwoContexts(const std::string& extra_users = "") {
  return R"(apiVersion: v1
kind: Config
preferences: {}
current-context: staging
clusters:
- name: staging-cluster
  cluster:
    server: https://staging.example.com:6443
    insecure-skip-tls-verify: true
- name: prod-cluster
  cluster:
    server: https://prod.example.com/
    tls-server-name: api.prod.internal
    proxy-url: http://ignored.example.com:3128
contexts:
- name: staging
  context:
    cluster: staging-cluster
    user: staging-user
- name: production
  context:
    cluster: prod-cluster
    user: prod-user
    namespace: production
users:
- name: staging-user
  user:
    token: staging-token
- name: prod-user
  user:
    tokenFile: tokens/prod
)" + extra_users;
}

}  // namespace

TEST_CASE("kubeconfig: the current-context, defaults for namespace, qps and burst") {
  TempDir dir;
  dir.Write("kube/tokens/prod", "prod-token\n");
  dir.Write("kube/config", TwoContexts());
  const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n"), dir.path() + "/runbookd.yaml");
  INFO(r.errors);
  REQUIRE(r.settings);
  CHECK(r.errors.empty());
  CHECK(r.settings->name == "prod");
  CHECK(r.settings->server == "https://staging.example.com:6443");
  CHECK(r.settings->insecure_skip_tls_verify);
  CHECK(r.settings->token.Reveal() == "staging-token");
  CHECK(r.settings->token_file.empty());
  CHECK(r.settings->default_namespace == "default");
  CHECK(r.settings->ca_pem.empty());
  CHECK(r.settings->qps == 5);
  CHECK(r.settings->burst == 10);
}

TEST_CASE("kubeconfig: context overrides current-context, tokenFile relative to the kubeconfig") {
  TempDir dir;
  dir.Write("kube/tokens/prod", "prod-token\n");
  dir.Write("kube/config", TwoContexts());
  const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    context: production\n"
                                               "    qps: 20.5\n    burst: 40\n"),
                                    dir.path() + "/runbookd.yaml");
  INFO(r.errors);
  REQUIRE(r.settings);
  CHECK(r.settings->server == "https://prod.example.com");  // trailing slash dropped
  CHECK(r.settings->tls_server_name == "api.prod.internal");
  CHECK_FALSE(r.settings->insecure_skip_tls_verify);
  CHECK(r.settings->default_namespace == "production");
  CHECK(r.settings->token.empty());
  CHECK(r.settings->token_file == dir.path() + "/kube/tokens/prod");
  CHECK(r.settings->qps == 20.5);
  CHECK(r.settings->burst == 40);
}

TEST_CASE("kubeconfig: certificate files relative to the kubeconfig, and -data keys winning over files") {
  runbookd::testing::TestCerts certs;
  TempDir dir;
  const std::string ca = ReadFile(certs.ca.ca_cert());
  const std::string cert = ReadFile(certs.client.cert);
  const std::string key = ReadFile(certs.client.key);
  dir.Write("kube/pki/ca.crt", ca);
  dir.Write("kube/pki/client.crt", cert);
  dir.Write("kube/pki/client.key", key);
  const std::string files = R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}}]
users: [{name: u, user: {client-certificate: pki/client.crt, client-key: pki/client.key}}]
)";
  dir.Write("kube/files", files);
  // The -data variants, with the file keys naming files that do not exist: data wins.
  const std::string data =
      "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
      "clusters: [{name: k, cluster: {server: \"https://127.0.0.1:6443\", "
      "certificate-authority: /nonexistent/ca.crt, certificate-authority-data: " +
      k8s::Base64Encode(ca) +
      "}}]\nusers: [{name: u, user: {client-certificate: /nonexistent/c, client-certificate-data: " +
      k8s::Base64Encode(cert) + ", client-key: /nonexistent/k, client-key-data: " + k8s::Base64Encode(key) + "}}]\n";
  dir.Write("kube/data", data);

  for (const char* name : {"files", "data"}) {
    SECTION(name) {
      const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: " + dir.path() + "/kube/" + name + "\n"),
                                        "/elsewhere/runbookd.yaml");
      INFO(r.errors);
      REQUIRE(r.settings);
      CHECK(r.settings->ca_pem == ca);
      CHECK(r.settings->client_cert_pem == cert);
      CHECK(r.settings->client_key_pem.Reveal() == key);
      CHECK(r.settings->token.empty());
    }
  }
}

TEST_CASE("kubeconfig: exec plugins and basic auth") {
  TempDir dir;
  dir.Write("kube/config", R"(current-context: relative
contexts:
- {name: relative, context: {cluster: k, user: relative}}
- {name: bare, context: {cluster: k, user: bare}}
- {name: basic, context: {cluster: k, user: basic}}
clusters: [{name: k, cluster: {server: "127.0.0.1:6443"}}]
users:
- name: relative
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, prod]
      env: [{name: AWS_PROFILE, value: ops}]
      provideClusterInfo: true
      interactiveMode: Never
      installHint: ignored
- name: bare
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}
- name: basic
  user: {username: admin, password: hunter2}
)");
  const std::string file = dir.path() + "/runbookd.yaml";
  SECTION("a command with a slash is relative to the kubeconfig") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n"), file);
    INFO(r.errors);
    REQUIRE(r.settings);
    CHECK(r.settings->server == "https://127.0.0.1:6443");  // no scheme: https, as client-go
    REQUIRE(r.settings->exec);
    CHECK(r.settings->exec->api_version == "client.authentication.k8s.io/v1");
    CHECK(r.settings->exec->command == dir.path() + "/kube/bin/get-token");
    CHECK(r.settings->exec->args == std::vector<std::string>{"--cluster", "prod"});
    REQUIRE(r.settings->exec->env.size() == 1);
    CHECK(r.settings->exec->env[0] == std::pair<std::string, std::string>{"AWS_PROFILE", "ops"});
    CHECK(r.settings->exec->provide_cluster_info);
    CHECK(r.settings->exec->interactive_mode == "Never");
  }
  SECTION("a bare command stays a PATH lookup; v1beta1 defaults interactiveMode") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    context: bare\n"), file);
    INFO(r.errors);
    REQUIRE(r.settings);
    REQUIRE(r.settings->exec);
    CHECK(r.settings->exec->command == "aws");
    CHECK(r.settings->exec->interactive_mode == "IfAvailable");
    CHECK_FALSE(r.settings->exec->provide_cluster_info);
  }
  SECTION("username and password") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    context: basic\n"), file);
    INFO(r.errors);
    REQUIRE(r.settings);
    CHECK(r.settings->username == "admin");
    CHECK(r.settings->password.Reveal() == "hunter2");
    CHECK_FALSE(r.settings->exec);
  }
}

TEST_CASE("kubeconfig: the connection's own keys") {
  TempDir dir;
  dir.Write("kube/tokens/prod", "prod-token\n");
  dir.Write("kube/config", TwoContexts());
  const std::string file = dir.path() + "/runbookd.yaml";
  const std::string f = file + ":";
  SECTION("neither kubeconfig nor in_cluster") {
    const Read r = ReadConnectionFrom(ConfigWith("    qps: 3\n"), file);
    CHECK_FALSE(r.settings);
    CHECK(r.errors == f + "3:5: connections.prod: set either kubeconfig or in_cluster: true\n");
  }
  SECTION("both") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    in_cluster: true\n"), file);
    CHECK_FALSE(r.settings);
    CHECK(r.errors == f + "3:5: connections.prod: set either kubeconfig or in_cluster: true\n");
  }
  SECTION("qps must be positive, burst at least 1") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    qps: 0\n    burst: 0\n"), file);
    CHECK_FALSE(r.settings);
    CHECK(r.errors == f + "5:10: connections.prod.qps: must be greater than 0\n" + f +
                          "6:12: connections.prod.burst: must be between 1 and 1000000, got 0\n");
  }
  SECTION("unknown keys are reported by the config machinery") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kube/config\n    timeout: 5s\n"), file);
    CHECK(r.errors.find("unknown key \"timeout\"") != std::string::npos);
  }
}

TEST_CASE("base64 as kubeconfig data keys use it") {
  CHECK(k8s::Base64Encode("") == "");
  CHECK(k8s::Base64Encode("f") == "Zg==");
  CHECK(k8s::Base64Encode("fo") == "Zm8=");
  CHECK(k8s::Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(k8s::Base64Decode("Zm9v\nYmE=") == std::optional<std::string>("fooba"));
  CHECK(k8s::Base64Decode("Zg") == std::optional<std::string>("f"));
  CHECK_FALSE(k8s::Base64Decode("Z"));
  CHECK_FALSE(k8s::Base64Decode("Zg==Zg"));
  CHECK_FALSE(k8s::Base64Decode("Z*=="));
}
