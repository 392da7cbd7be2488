// Reading a `connections.<name>` entry of type aws: region (and its fallbacks), profile, endpoints.
#include "daemon/clients/aws/aws_connection.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "config/node.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using runbookd::testing::TempDir;

namespace {

struct Read {
  std::optional<AwsConnectionSettings> settings;
  std::string errors;  // Diagnostics::Format()
};

Read ReadFrom(const std::string& lines, const Environment& env = {}) {
  config::Diagnostics diags;
  config::Document doc =
      config::Document::Parse("connections:\n  cloud:\n    type: aws\n" + lines, "runbookd.yaml", diags);
  REQUIRE(diags.empty());
  const config::Node node = doc.root()["connections"]["cloud"];
  node["type"].AsString();
  Read out;
  out.settings = ReadAwsConnection("cloud", node, env);
  doc.CheckUnknownKeys();
  out.errors = diags.Format();
  return out;
}

}  // namespace

TEST_CASE("aws connection: region, profile and endpoint overrides") {
  const Read r = ReadFrom(
      "    region: eu-west-1\n    profile: ops\n    endpoints:\n      elbv2: http://127.0.0.1:9001\n"
      "      sts: https://sts.internal.example/\n");
  INFO(r.errors);
  REQUIRE(r.settings);
  CHECK(r.settings->region == "eu-west-1");
  CHECK(r.settings->profile == "ops");
  CHECK(ServiceEndpoint(*r.settings, AwsService::kElbv2) == "http://127.0.0.1:9001");
  CHECK(ServiceEndpoint(*r.settings, AwsService::kRds) == "https://rds.eu-west-1.amazonaws.com");
  CHECK(ServiceEndpoint(*r.settings, AwsService::kEks) == "https://eks.eu-west-1.amazonaws.com");
  CHECK(ServiceEndpoint(*r.settings, AwsService::kSts) == "https://sts.internal.example/");
  CHECK(SigningName(AwsService::kElbv2) == "elasticloadbalancing");

  const ChainSettings chain = ChainSettingsFor(*r.settings, {{"HOME", "/h"}});
  CHECK(chain.name == "cloud");
  CHECK(chain.profile == "ops");
  CHECK(chain.region == "eu-west-1");
  CHECK(chain.sts_endpoint == "https://sts.internal.example/");
}

TEST_CASE("aws connection: the region falls back to the environment, then the profile") {
  CHECK(ReadFrom("", {{"AWS_DEFAULT_REGION", "us-west-2"}}).settings->region == "us-west-2");
  CHECK(ReadFrom("", {{"AWS_REGION", "ap-south-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}).settings->region ==
        "ap-south-1");
  TempDir home;
  home.Write(".aws/config", "[profile ops]\nregion = ca-central-1\n");
  CHECK(ReadFrom("    profile: ops\n", {{"HOME", home.path()}}).settings->region == "ca-central-1");
  const Read none = ReadFrom("    profile: ops\n", {{"HOME", "/nonexistent"}});
  CHECK_FALSE(none.settings);
  CHECK(none.errors.find("connections.cloud: no region") != std::string::npos);
}

TEST_CASE("aws connection: bad region, bad endpoints and unknown keys are reported at their keys") {
  const Read r = ReadFrom(
      "    region: EU West\n    endpoints:\n      rds: ftp://x\n      eks: https://x/?q=1\n      sqs: http://y\n"
      "    regoin: x\n");
  CHECK_FALSE(r.settings);
  CHECK(r.errors.find("connections.cloud.region: \"EU West\" is not an AWS region name") != std::string::npos);
  CHECK(r.errors.find("connections.cloud.endpoints.rds: \"ftp://x\" is not an http or https URL") != std::string::npos);
  CHECK(r.errors.find("connections.cloud.endpoints.eks:") != std::string::npos);
  CHECK(r.errors.find("connections.cloud.endpoints.sqs:") != std::string::npos);
  CHECK(r.errors.find("connections.cloud.regoin:") != std::string::npos);
}
