// The exec plugin `aws eks get-token` of a kubeconfig, recognised so that runbookd makes the EKS
// token itself: which argument forms are served natively, which keep running the aws CLI, where
// the region comes from, and the errors when there is none.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "daemon/clients/k8s/eks_exec.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::k8s;
using runbookd::testing::TempDir;

namespace {

ExecPluginSettings Plugin(std::string command, std::vector<std::string> args,
                          std::vector<std::pair<std::string, std::string>> env = {}) {
  ExecPluginSettings plugin;
  plugin.api_version = "client.authentication.k8s.io/v1beta1";
  plugin.command = std::move(command);
  plugin.args = std::move(args);
  plugin.env = std::move(env);
  return plugin;
}

std::optional<EksGetTokenArgs> Native(std::vector<std::string> args, std::string command = "aws") {
  return ClassifyExec(Plugin(std::move(command), std::move(args))).native;
}

// A kubeconfig whose user runs `exec` (YAML flow text for the exec mapping's body lines).
std::string KubeconfigWithExec(const std::string& exec_lines) {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- name: prod\n"
         "  cluster: {server: \"https://127.0.0.1:6443\"}\n"
         "users:\n"
         "- name: eks-user\n"
         "  user:\n"
         "    exec:\n"
         "      apiVersion: client.authentication.k8s.io/v1beta1\n" +
         exec_lines +
         "contexts: [{name: prod, context: {cluster: prod, user: eks-user}}]\n"
         "current-context: prod\n";
}

struct Read {
  std::optional<ConnectionSettings> settings;
  std::string errors;
};

Read ReadWith(const TempDir& dir, const std::string& exec_lines, const aws::Environment& env) {
  const std::string kubeconfig = dir.Write("kubeconfig", KubeconfigWithExec(exec_lines));
  config::Diagnostics diags;
  config::Document doc =
      config::Document::Parse("connections:\n  prod:\n    type: kubernetes\n    kubeconfig: " + kubeconfig + "\n",
                              dir.path() + "/r.yaml", diags);
  REQUIRE(diags.empty());
  const config::Node node = doc.root()["connections"]["prod"];
  node["type"].AsString();
  Read out;
  out.settings = ReadConnection("prod", node, InClusterPaths{}, &env);
  doc.CheckUnknownKeys();
  out.errors = diags.Format();
  return out;
}

}  // namespace

TEST_CASE("eks kubeconfig: the argument forms aws eks update-kubeconfig writes are served natively") {
  SECTION("awscli v2, with --output json") {
    auto a = Native({"--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json"});
    REQUIRE(a);
    CHECK(a->cluster == "prod");
    CHECK(a->region == "eu-west-1");
    CHECK(a->profile.empty());
  }
  SECTION("awscli v1, without --output") {
    auto a = Native({"--region", "us-east-1", "eks", "get-token", "--cluster-name", "shop"});
    REQUIRE(a);
    CHECK(a->cluster == "shop");
    CHECK(a->region == "us-east-1");
  }
  SECTION("--cluster-id (a local cluster on Outposts)") {
    auto a = Native({"eks", "get-token", "--cluster-id", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"});
    REQUIRE(a);
    CHECK(a->cluster == "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111");
    CHECK(a->region.empty());
  }
  SECTION("--opt=value, options after the subcommand, --profile, a path to the command") {
    auto a = Native({"eks", "get-token", "--cluster-name=prod", "--region=ap-south-1", "--profile", "ops"},
                    "/usr/local/bin/aws");
    REQUIRE(a);
    CHECK(a->cluster == "prod");
    CHECK(a->region == "ap-south-1");
    CHECK(a->profile == "ops");
  }
}

TEST_CASE("eks kubeconfig: --role-arn and anything not understood keep running the command") {
  const auto cli = [](std::vector<std::string> args, std::string command = "aws") {
    return ClassifyExec(Plugin(std::move(command), std::move(args)));
  };
  const EksExecForm role = cli(
      {"--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::1:role/x"});
  CHECK(role.aws_command);
  CHECK_FALSE(role.native);
  CHECK(role.why_cli == "--role-arn needs the aws CLI");

  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name", "prod", "--debug"}).native);
  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name", "prod", "--output", "text"}).native);
  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name", "a", "--cluster-id", "b"}).native);
  CHECK_FALSE(cli({"eks", "get-token"}).native);
  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name"}).native);
  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name", "a", "--cluster-name", "b"}).native);
  CHECK_FALSE(cli({"eks", "update-kubeconfig", "--name", "prod"}).native);
  CHECK_FALSE(cli({"sts", "get-caller-identity"}).native);
  CHECK_FALSE(cli({"eks", "get-token", "extra", "--cluster-name", "prod"}).native);

  // Other commands are not the aws CLI at all, even when their arguments look alike.
  const EksExecForm authenticator = cli({"token", "-i", "prod"}, "aws-iam-authenticator");
  CHECK_FALSE(authenticator.aws_command);
  CHECK_FALSE(authenticator.native);
  CHECK_FALSE(cli({"eks", "get-token", "--cluster-name", "prod"}, "/opt/bin/aws-wrapper").aws_command);
  CHECK_FALSE(cli({"get-token", "--login", "azurecli"}, "kubelogin").aws_command);
}

TEST_CASE("eks kubeconfig: the region is --region, else the environment, else the profile") {
  TempDir home;
  home.Write(".aws/config", "[default]\nregion = sa-east-1\n[profile ops]\nregion = ca-central-1\n");
  const aws::Environment base = {{"HOME", home.path()}};
  const EksGetTokenArgs named{"prod", "", ""};
  CHECK(ResolveEksRegion({"prod", "eu-west-1", ""}, {{"AWS_REGION", "us-east-1"}}) == "eu-west-1");
  CHECK(ResolveEksRegion(named, {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}) == "us-east-1");
  CHECK(ResolveEksRegion(named, {{"AWS_DEFAULT_REGION", "us-west-2"}, {"HOME", home.path()}}) == "us-west-2");
  CHECK(ResolveEksRegion(named, base) == "sa-east-1");
  CHECK(ResolveEksRegion({"prod", "", "ops"}, base) == "ca-central-1");
  CHECK(ResolveEksRegion(named, {{"HOME", "/nonexistent"}}).empty());

  // The exec section's env is layered over the daemon's: its AWS_PROFILE chooses the profile.
  std::string error;
  const auto token = NativeEksTokenFor(
      Plugin("aws", {"eks", "get-token", "--cluster-name", "prod"}, {{"AWS_PROFILE", "ops"}}), base, error);
  INFO(error);
  REQUIRE(token);
  CHECK(token->region == "ca-central-1");
  CHECK(token->cluster == "prod");
  CHECK(token->env.at("AWS_PROFILE") == "ops");
  CHECK(token->env.at("HOME") == home.path());

  // --profile on the command line wins over keys in the environment, as in botocore.
  const auto with_profile =
      NativeEksTokenFor(Plugin("aws", {"eks", "get-token", "--cluster-name", "prod", "--profile", "ops"}),
                        {{"HOME", home.path()}, {"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}}, error);
  REQUIRE(with_profile);
  CHECK(with_profile->profile == "ops");
  CHECK(with_profile->env.count("AWS_ACCESS_KEY_ID") == 0);
  CHECK(with_profile->env.count("AWS_SECRET_ACCESS_KEY") == 0);
}

TEST_CASE("eks kubeconfig: a kubeconfig from aws eks update-kubeconfig gives a native token setting") {
  TempDir dir;
  const Read r = ReadWith(dir,
                          "      command: aws\n"
                          "      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, --output, json]\n"
                          "      env: [{name: AWS_PROFILE, value: ops}]\n",
                          {{"HOME", "/nonexistent"}, {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}});
  INFO(r.errors);
  REQUIRE(r.settings);
  REQUIRE(r.settings->exec);
  REQUIRE(r.settings->eks_token);
  CHECK(r.settings->eks_token->cluster == "prod");
  CHECK(r.settings->eks_token->region == "eu-west-1");
  CHECK(r.settings->eks_token->env.at("AWS_PROFILE") == "ops");
  CHECK(r.settings->eks_token->env.at("AWS_ACCESS_KEY_ID") == "AKIDEXAMPLE");

  // With --role-arn the command runs as before: no native token.
  const Read role = ReadWith(dir,
                             "      command: aws\n"
                             "      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, --role-arn, "
                             "\"arn:aws:iam::111122223333:role/ops\"]\n",
                             {{"HOME", "/nonexistent"}});
  REQUIRE(role.settings);
  CHECK(role.settings->exec);
  CHECK_FALSE(role.settings->eks_token);
}

TEST_CASE("eks kubeconfig: no region, or a bad one, is an error at the exec section") {
  TempDir dir;
  const std::string at_kubeconfig = dir.path() + "/r.yaml:4:17: connections.prod.kubeconfig: " + dir.path() +
                                    "/kubeconfig:9:7: user \"eks-user\".exec: ";
  const Read none = ReadWith(dir,
                             "      command: aws\n"
                             "      args: [eks, get-token, --cluster-name, prod]\n",
                             {{"HOME", "/nonexistent"}});
  CHECK_FALSE(none.settings);
  CHECK(none.errors == at_kubeconfig +
                           "aws eks get-token for cluster \"prod\" has no region: add --region REGION to its args, or "
                           "set AWS_REGION or AWS_DEFAULT_REGION (in its env or runbookd's), or `region` in the AWS "
                           "profile\n");

  // The exec section's own env counts.
  const Read from_exec_env = ReadWith(dir,
                                      "      command: aws\n"
                                      "      args: [eks, get-token, --cluster-name, prod]\n"
                                      "      env: [{name: AWS_DEFAULT_REGION, value: eu-north-1}]\n",
                                      {{"HOME", "/nonexistent"}});
  INFO(from_exec_env.errors);
  REQUIRE(from_exec_env.settings);
  CHECK(from_exec_env.settings->eks_token->region == "eu-north-1");

  const Read bad = ReadWith(dir,
                            "      command: aws\n"
                            "      args: [eks, get-token, --cluster-name, prod, --region, \"eu/west\"]\n",
                            {{"HOME", "/nonexistent"}});
  CHECK_FALSE(bad.settings);
  CHECK(bad.errors ==
        at_kubeconfig + "aws eks get-token for cluster \"prod\": \"eu/west\" is not an AWS region name\n");
}
