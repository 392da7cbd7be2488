// `connections:` entries of type aws in a whole config: read, built, and handed to the probes and
// actions that name them.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "daemon/app/settings.hpp"
#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/clock.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using runbookd::testing::ManualClock;
using runbookd::testing::TempDir;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;

namespace {

class IdleProbe final : public Probe {
 public:
  boost::asio::awaitable<ProbeResult> Run(const ProbeContext&) const override {
    co_return ProbeResult::Unknown(ProbeReason::kInternalError, "never run");
  }
};

// What the one probe type of the test registry was built with.
struct Captured {
  int built = 0;
  ProbeDeps deps;
};

Registry CapturingRegistry(Captured& captured) {
  Registry registry;
  registry.AddProbeType("capture", [&captured](const config::Node&, const ProbeDeps& deps) {
    ++captured.built;
    captured.deps = deps;
    return std::make_unique<IdleProbe>();
  });
  return registry;
}

struct Loaded {
  Settings settings;
  std::string errors;
};

// A machine's AWS variables and files must not leak in: every test passes its whole environment.
Loaded Load(const std::string& yaml, Captured& captured, aws::Environment env = {{"HOME", "/nonexistent"}}) {
  TempDir dir;
  const std::string file = dir.Write("runbookd.yaml", yaml);
  static ManualClock clock;
  config::Diagnostics diagnostics;
  ConnectionOptions options;
  options.env = std::move(env);
  Loaded out;
  out.settings = LoadSettings(file, CapturingRegistry(captured), ProbeDeps{&clock, nullptr}, diagnostics, options);
  out.errors = diagnostics.Format();
  return out;
}

const std::string kProbeNaming = R"(
probes:
  - name: lb
    type: capture
    connection: CONNECTION
    spec: {}
)";

std::string ProbeNaming(const std::string& connection) {
  std::string text = kProbeNaming;
  text.replace(text.find("CONNECTION"), std::string("CONNECTION").size(), connection);
  return text;
}

}  // namespace

TEST_CASE("aws connection settings: an aws connection parses and a probe naming it gets its client") {
  Captured captured;
  const Loaded r = Load(
      "connections:\n"
      "  cloud: { type: aws, region: eu-west-1, profile: ops, endpoints: { elbv2: \"http://127.0.0.1:9\" } }\n" +
          ProbeNaming("cloud"),
      captured);
  INFO(r.errors);
  REQUIRE(r.errors.empty());
  REQUIRE(r.settings.connections.aws.count("cloud") == 1);
  CHECK(r.settings.connections.AwsNames() == std::set<std::string>{"cloud"});
  CHECK(r.settings.connections.KubernetesNames().empty());
  REQUIRE(captured.built == 1);
  REQUIRE(captured.deps.aws != nullptr);
  CHECK(captured.deps.aws == r.settings.connections.aws.at("cloud"));
  CHECK(captured.deps.kubernetes == nullptr);
  CHECK(captured.deps.connection == "cloud");
  const aws::AwsConnectionSettings& s = captured.deps.aws->settings();
  CHECK(s.name == "cloud");
  CHECK(s.region == "eu-west-1");
  CHECK(s.profile == "ops");
  CHECK(s.endpoints.elbv2 == "http://127.0.0.1:9");
}

TEST_CASE("aws connection settings: the region comes from the injected environment, not the process's") {
  Captured captured;
  const Loaded from_env =
      Load("connections:\n  cloud: { type: aws }\n" + ProbeNaming("cloud"), captured,
           {{"HOME", "/nonexistent"}, {"AWS_DEFAULT_REGION", "us-west-2"}, {"AWS_REGION", "ap-south-1"}});
  INFO(from_env.errors);
  REQUIRE(from_env.errors.empty());
  REQUIRE(captured.deps.aws != nullptr);
  CHECK(captured.deps.aws->settings().region == "ap-south-1");

  Captured none_captured;
  const Loaded none = Load("connections:\n  cloud: { type: aws }\n" + ProbeNaming("cloud"), none_captured);
  CHECK(none.errors.find(":2:10: connections.cloud: no region: set `region`") != std::string::npos);
  CHECK(none.settings.connections.aws.empty());
  CHECK(none.settings.connections.unusable.count("cloud") == 1);
  // The probe naming a broken connection is not built and adds no error of its own.
  CHECK(none_captured.built == 0);
  CHECK(none.errors.find("probes[0]") == std::string::npos);
}

TEST_CASE("aws connection settings: an unknown connection name suggests an aws connection") {
  Captured captured;
  const Loaded r = Load(
      "connections:\n  cloud-eu: { type: aws, region: eu-west-1 }\n"
      "  prod: { type: kubernetes, kubeconfig: missing.yaml }\n" +
          ProbeNaming("cloud-ue"),
      captured);
  CHECK(r.errors.find("probes[0].connection: unknown connection \"cloud-ue\" (did you mean \"cloud-eu\"?)") !=
        std::string::npos);
  CHECK(captured.built == 0);
}

TEST_CASE("aws connection settings: errors of an aws connection are reported at their keys") {
  Captured captured;
  const Loaded r = Load(
      "connections:\n"
      "  cloud:\n"
      "    type: aws\n"
      "    region: eu-west-1\n"
      "    profle: ops\n"
      "    endpoints: { rds: \"ftp://x\", sqs: \"http://y\" }\n",
      captured);
  CHECK(r.errors.find("connections.cloud.endpoints.rds: \"ftp://x\" is not an http or https URL") != std::string::npos);
  CHECK(r.errors.find("connections.cloud.profle: unknown key \"profle\" (did you mean \"profile\"?)") !=
        std::string::npos);
  CHECK(r.errors.find("connections.cloud.endpoints.sqs: unknown key \"sqs\"") != std::string::npos);
  CHECK(r.settings.connections.aws.empty());
}

TEST_CASE("aws connection settings: reading the config fetches no credentials") {
  // Every network source of the credential chain points here; --check-config must not reach it.
  TestHttpServer server([](const TestRequest&) {
    TestResponse response;
    response.status = 500;
    return response;
  });
  Captured captured;
  const Loaded r = Load("connections:\n  cloud: { type: aws, region: eu-west-1 }\n" + ProbeNaming("cloud"), captured,
                        {{"HOME", "/nonexistent"},
                         {"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.Url("")},
                         {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.Url("/credentials")}});
  INFO(r.errors);
  REQUIRE(r.errors.empty());
  CHECK(captured.deps.aws != nullptr);
  CHECK(server.requests_served() == 0);
}
