// Every error a kubeconfig or in-cluster connection can report, with the place it is reported.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "daemon/clients/k8s/base64.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/unit/k8s_kubeconfig_test_util.hpp"

using namespace runbookd;
using namespace runbookd::k8s_test;
using runbookd::testing::ReadFile;
using runbookd::testing::TempDir;

TEST_CASE("kubeconfig: every error names the file and lands on the right key") {
  TempDir dir;
  const std::string file = dir.path() + "/runbookd.yaml";
  const std::string kubeconfig_key = file + ":4:17: connections.prod.kubeconfig: ";
  const std::string context_key = file + ":5:14: connections.prod.context: ";
  const std::string kc = dir.path() + "/kc";
  auto read = [&](const std::string& kubeconfig_text, const std::string& context = "") {
    dir.Write("kc", kubeconfig_text);
    return ReadConnectionFrom(
        ConfigWith("    kubeconfig: kc\n" + (context.empty() ? "" : "    context: " + context + "\n")), file);
  };
  const std::string ok_cluster = "clusters: [{name: k, cluster: {server: \"https://h:6443\"}}]\n";
  const std::string ok_user = "users: [{name: u, user: {token: t}}]\n";
  const std::string ok_context = "contexts: [{name: c, context: {cluster: k, user: u}}]\ncurrent-context: c\n";

  SECTION("missing file") {
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: missing/config\n"), file);
    CHECK_FALSE(r.settings);
    CHECK(r.errors ==
          kubeconfig_key + "cannot read \"" + dir.path() + "/missing/config\": No such file or directory\n");
  }
  SECTION("unreadable file") {
    if (geteuid() == 0) {
      WARN("skipped: root reads every file");
      return;
    }
    dir.Write("kc", ok_cluster + ok_user + ok_context);
    chmod(kc.c_str(), 0);
    const Read r = ReadConnectionFrom(ConfigWith("    kubeconfig: kc\n"), file);
    CHECK(r.errors == kubeconfig_key + "cannot read \"" + kc + "\": Permission denied\n");
  }
  SECTION("YAML syntax error, with the kubeconfig's line") {
    const Read r = read("clusters:\n- name: k\n  cluster: {server: [\n");
    CHECK_FALSE(r.settings);
    CHECK(r.errors.rfind(kubeconfig_key + "invalid YAML at " + kc + ":4:1: ", 0) == 0);
  }
  SECTION("a wrongly typed field, with its place in the kubeconfig") {
    const Read r = read("clusters:\n- name: k\n  cluster:\n    server: [a]\n" + ok_user + ok_context);
    CHECK(r.errors == kubeconfig_key + kc + ":4:13: cluster \"k\".server: expected a string\n");
  }
  SECTION("unknown context chosen by the connection: at the context key") {
    const Read r = read(ok_cluster + ok_user + ok_context, "nope");
    CHECK(r.errors == context_key + "context \"nope\" is not in " + kc + " (it has: c)\n");
  }
  SECTION("unknown current-context: at the kubeconfig key") {
    const Read r = read(ok_cluster + ok_user +
                        "contexts: [{name: a, context: {cluster: k, user: u}}, {name: b, "
                        "context: {cluster: k, user: u}}]\ncurrent-context: gone\n");
    CHECK(r.errors == kubeconfig_key + "context \"gone\" is not in " + kc + " (it has: a, b)\n");
  }
  SECTION("no current-context and no context") {
    const Read r = read(ok_cluster + ok_user);
    CHECK(r.errors == kubeconfig_key + kc + " has no current-context; set \"context\" (it has no contexts)\n");
  }
  SECTION("a context naming a missing cluster") {
    const Read r = read(ok_user + ok_context);
    CHECK(r.errors == kubeconfig_key + "context \"c\" in " + kc + " names cluster \"k\", which is not defined there\n");
  }
  SECTION("a chosen context naming a missing user: at the context key") {
    const Read r = read(ok_cluster + ok_context, "c");
    CHECK(r.errors == context_key + "context \"c\" in " + kc + " names user \"u\", which is not defined there\n");
  }
  SECTION("a cluster without server") {
    const Read r = read("clusters: [{name: k, cluster: {insecure-skip-tls-verify: true}}]\n" + ok_user + ok_context);
    CHECK(r.errors == kubeconfig_key + "cluster \"k\" in " + kc + " has no server\n");
  }
  SECTION("a user without credentials") {
    const Read r = read(ok_cluster + "users: [{name: u, user: {}}]\n" + ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          " has no credentials (set client-certificate and client-key, token, tokenFile, exec, or "
                          "username and password)\n");
  }
  SECTION("a user with only an auth-provider") {
    const Read r = read(ok_cluster + "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n" + ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          " uses an auth-provider, which runbookd does not support (use exec)\n");
  }
  SECTION("a client certificate without its key") {
    const Read r = read(ok_cluster + "users: [{name: u, user: {client-certificate-data: QUJD}}]\n" + ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc + ": client-certificate needs client-key\n");
  }
  SECTION("a missing certificate-authority file, relative to the kubeconfig") {
    const Read r = read("clusters: [{name: k, cluster: {server: \"https://h\", certificate-authority: ca.pem}}]\n" +
                        ok_user + ok_context);
    CHECK(r.errors == kubeconfig_key + "cluster \"k\" in " + kc + ": cannot read certificate-authority \"" +
                          dir.path() + "/ca.pem\": No such file or directory\n");
  }
  SECTION("certificate-authority-data that is not base64") {
    const Read r =
        read("clusters: [{name: k, cluster: {server: \"https://h\", certificate-authority-data: \"%%\"}}]\n" + ok_user +
             ok_context);
    CHECK(r.errors == kubeconfig_key + "cluster \"k\" in " + kc + ": certificate-authority-data is not valid base64\n");
  }
  SECTION("certificate-authority-data that is not PEM") {
    const Read r = read("clusters: [{name: k, cluster: {server: \"https://h\", certificate-authority-data: " +
                        k8s::Base64Encode("not a certificate") + "}}]\n" + ok_user + ok_context);
    CHECK(r.errors.rfind(
              kubeconfig_key + "cluster \"k\" in " + kc + ": certificate-authority: cannot load the CA certificates: ",
              0) == 0);
  }
  SECTION("a missing tokenFile") {
    const Read r = read(ok_cluster + "users: [{name: u, user: {tokenFile: /nonexistent/token}}]\n" + ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          ": cannot read tokenFile \"/nonexistent/token\": No such file or directory\n");
  }
  SECTION("exec with an unknown apiVersion") {
    const Read r = read(ok_cluster +
                        "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, "
                        "command: x}}}]\n" +
                        ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          ": exec: apiVersion \"client.authentication.k8s.io/v1alpha1\" is not supported (use "
                          "client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)\n");
  }
  SECTION("exec v1 without interactiveMode") {
    const Read r = read(
        ok_cluster + "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}}]\n" +
        ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          ": exec: interactiveMode is required for client.authentication.k8s.io/v1 (use Never or "
                          "IfAvailable)\n");
  }
  SECTION("exec interactiveMode Always") {
    const Read r = read(ok_cluster +
                        "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: "
                        "x, interactiveMode: Always}}}]\n" +
                        ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc +
                          ": exec: interactiveMode Always needs a terminal, and runbookd never has one (use Never or "
                          "IfAvailable)\n");
  }
  SECTION("exec without command") {
    const Read r =
        read(ok_cluster + "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1}}}]\n" +
             ok_context);
    CHECK(r.errors == kubeconfig_key + "user \"u\" in " + kc + ": exec has no command\n");
  }
}

TEST_CASE("in_cluster: host from the environment, files from the service account folder") {
  runbookd::testing::TestCerts certs;
  TempDir dir;
  k8s::InClusterPaths paths;
  paths.token_file = dir.Write("sa/token", "sa-token\n");
  paths.ca_file = dir.Write("sa/ca.crt", ReadFile(certs.ca.ca_cert()));
  paths.namespace_file = dir.path() + "/sa/namespace";
  const std::string file = dir.path() + "/runbookd.yaml";
  const std::string config = ConfigWith("    in_cluster: true\n");

  SECTION("IPv4 host, no namespace file") {
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    const Read r = ReadConnectionFrom(config, file, paths);
    INFO(r.errors);
    REQUIRE(r.settings);
    CHECK(r.settings->server == "https://10.96.0.1:443");
    CHECK(r.settings->token_file == paths.token_file);
    CHECK(r.settings->token.empty());
    CHECK(r.settings->ca_pem == ReadFile(certs.ca.ca_cert()));
    CHECK(r.settings->default_namespace == "default");
  }
  SECTION("IPv6 host and a namespace") {
    dir.Write("sa/namespace", "ops\n");
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
    const Read r = ReadConnectionFrom(config, file, paths);
    INFO(r.errors);
    REQUIRE(r.settings);
    CHECK(r.settings->server == "https://[fd00::1]:6443");
    CHECK(r.settings->default_namespace == "ops");
  }
  SECTION("not in a pod") {
    unsetenv("KUBERNETES_SERVICE_HOST");
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    const Read r = ReadConnectionFrom(config, file, paths);
    CHECK_FALSE(r.settings);
    CHECK(r.errors ==
          file +
              ":4:17: connections.prod.in_cluster: KUBERNETES_SERVICE_HOST/PORT are not set (not running in "
              "a pod?)\n");
  }
  SECTION("no token file") {
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    paths.token_file = dir.path() + "/sa/missing";
    const Read r = ReadConnectionFrom(config, file, paths);
    CHECK(r.errors == file + ":4:17: connections.prod.in_cluster: cannot read the service account token \"" +
                          paths.token_file + "\": No such file or directory\n");
  }
  SECTION("context makes no sense in-cluster") {
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    const Read r = ReadConnectionFrom(config + "    context: x\n", file, paths);
    CHECK(r.errors == file + ":5:14: connections.prod.context: context applies only with kubeconfig\n");
  }
}
