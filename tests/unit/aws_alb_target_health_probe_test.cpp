#include <catch2/catch.hpp>
#include <initializer_list>
#include <memory>
#include <string>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "aws_api_double.hpp"
#include "probes/alb_target_health/alb_target_health_probe.hpp"

using namespace runbookd;
using Catch::Matchers::Contains;
using probes::alb_target_health::MakeProbeFactory;

namespace {

constexpr const char* kTargetGroup =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067";
constexpr const char* kLoadBalancer =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188";

// One <member> of TargetHealthDescriptions, as ELBv2 writes it.
std::string Target(const std::string& id, const std::string& state, const std::string& reason = "",
                   const std::string& description = "") {
  std::string health = "<State>" + state + "</State>";
  if (!reason.empty()) health += "<Reason>" + reason + "</Reason>";
  if (!description.empty()) health += "<Description>" + description + "</Description>";
  return "<member><HealthCheckPort>80</HealthCheckPort><TargetHealth>" + health +
         "</TargetHealth><Target><Port>80</Port><Id>" + id +
         "</Id><AvailabilityZone>eu-west-1a</AvailabilityZone></Target></member>";
}

std::string TargetHealth(std::initializer_list<std::string> members) {
  std::string items;
  for (const auto& member : members) items += member;
  return R"(<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetHealthResult><TargetHealthDescriptions>)" +
         items + R"(</TargetHealthDescriptions></DescribeTargetHealthResult>
  <ResponseMetadata><RequestId>2f3a9c1e-5b7d-4e21-9a0f-6c8b1d2e3f40</RequestId></ResponseMetadata>
</DescribeTargetHealthResponse>)";
}

std::string LoadBalancer(const std::string& code, const std::string& reason = "") {
  const std::string state = "<Code>" + code + "</Code>" + (reason.empty() ? "" : "<Reason>" + reason + "</Reason>");
  return R"(<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeLoadBalancersResult><LoadBalancers><member>
    <LoadBalancerArn>)" +
         std::string(kLoadBalancer) + R"(</LoadBalancerArn>
    <DNSName>shop-alb-1234567890.eu-west-1.elb.amazonaws.com</DNSName>
    <CanonicalHostedZoneId>Z32O12XQLNTSW2</CanonicalHostedZoneId>
    <CreatedTime>2026-03-02T10:11:12.130Z</CreatedTime>
    <LoadBalancerName>shop-alb</LoadBalancerName>
    <Scheme>internet-facing</Scheme>
    <VpcId>vpc-3ac0fb5f</VpcId>
    <State>)" +
         state + R"(</State>
    <Type>application</Type>
    <IpAddressType>ipv4</IpAddressType>
  </member></LoadBalancers></DescribeLoadBalancersResult>
  <ResponseMetadata><RequestId>6c1e0a9b-0d2f-4b8e-8f7c-1a2b3c4d5e6f</RequestId></ResponseMetadata>
</DescribeLoadBalancersResponse>)";
}

const std::string kHealthy1 = Target("i-0a1b2c3d4e5f60001", "healthy");
const std::string kHealthy2 = Target("i-0a1b2c3d4e5f60002", "healthy");
const std::string kMismatch = Target("i-0a1b2c3d4e5f60003", "unhealthy", "Target.ResponseCodeMismatch",
                                     "Health checks failed with these codes: [502]");
const std::string kTimedOut = Target("i-0a1b2c3d4e5f60004", "unhealthy", "Target.Timeout", "Request timed out");
const std::string kInitial =
    Target("i-0a1b2c3d4e5f60005", "initial", "Elb.InitialHealthChecking", "Initial health checks in progress");
const std::string kDraining = Target("i-0a1b2c3d4e5f60006", "draining", "Target.DeregistrationInProgress",
                                     "Target deregistration is in progress");

struct Fixture {
  testing::ManualClock clock;
  std::shared_ptr<awstest::ScriptedAwsApi> api = std::make_shared<awstest::ScriptedAwsApi>();

  ProbeDeps Deps() const {
    ProbeDeps deps;
    deps.clock = &clock;
    deps.aws = api;
    deps.connection = "prod-aws";
    return deps;
  }
  ProbeResult Run(const std::string& extra_spec = "") {
    auto probe = probetest::BuildProbe(MakeProbeFactory(),
                                       "target_group_arn: " + std::string(kTargetGroup) + "\n" + extra_spec, Deps());
    return probetest::RunOnce(*probe).result;
  }
};

std::string SpecErrors(const std::string& yaml, const ProbeDeps& deps) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  (void)MakeProbeFactory()(doc.root(), deps);
  doc.CheckUnknownKeys();
  return diags.Format();
}

}  // namespace

TEST_CASE("alb_target_health: every target healthy", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1, kHealthy2}));
  const ProbeResult r = f.Run();
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "2/2 healthy");
  CHECK(probetest::Observed(r, "targets_total") == 2);
  CHECK(probetest::Observed(r, "targets_healthy") == 2);
  CHECK(probetest::Observed(r, "targets_unhealthy") == 0);
  CHECK(probetest::Observed(r, "targets_initial") == 0);
  CHECK(probetest::Observed(r, "targets_draining") == 0);
  CHECK(probetest::Observed(r, "targets_unused") == 0);
  CHECK(probetest::Observed(r, "targets_unavailable") == 0);
  CHECK(r.Find("load_balancer_active") == nullptr);

  REQUIRE(f.api->calls().size() == 1);  // no load balancer configured, none asked for
  const auto& call = f.api->calls()[0];
  CHECK(call.service == aws::AwsService::kElbv2);
  CHECK(call.action == "DescribeTargetHealth");
  CHECK(call.params == aws::QueryParams{{"TargetGroupArn", kTargetGroup}});
  CHECK(call.deadline > std::chrono::steady_clock::now());
}

TEST_CASE("alb_target_health: unhealthy targets are named with state, reason and description", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1, kMismatch, kHealthy2, kTimedOut}));
  SECTION("below min_healthy") {
    const ProbeResult r = f.Run("min_healthy: 3\n");
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kTargetsUnhealthy);
    CHECK(r.detail ==
          "2/4 healthy (min 3); i-0a1b2c3d4e5f60003:80 unhealthy Target.ResponseCodeMismatch: Health checks failed "
          "with these codes: [502]; i-0a1b2c3d4e5f60004:80 unhealthy Target.Timeout: Request timed out");
    CHECK(probetest::Observed(r, "targets_total") == 4);
    CHECK(probetest::Observed(r, "targets_healthy") == 2);
    CHECK(probetest::Observed(r, "targets_unhealthy") == 2);
  }
  SECTION("enough healthy ones: healthy, and the others still named") {
    const ProbeResult r = f.Run();
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK_THAT(r.detail, Contains("2/4 healthy; i-0a1b2c3d4e5f60003:80 unhealthy Target.ResponseCodeMismatch"));
  }
}

TEST_CASE("alb_target_health: every target unhealthy notes that the load balancer fails open", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kMismatch, kTimedOut,
                                                         Target("i-0a1b2c3d4e5f60007", "unhealthy.draining",
                                                                "Target.FailedHealthChecks", "Health checks failed")}));
  const ProbeResult r = f.Run();
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kTargetsUnhealthy);
  CHECK_THAT(r.detail, Contains("0/3 healthy; all targets are unhealthy, so the load balancer fails open and still "
                                "routes requests to them; i-0a1b2c3d4e5f60003:80 unhealthy"));
  CHECK_THAT(r.detail, Contains("i-0a1b2c3d4e5f60007:80 unhealthy.draining Target.FailedHealthChecks"));
  CHECK(probetest::Observed(r, "targets_unhealthy") == 3);
}

TEST_CASE("alb_target_health: initial targets are reported as initial, not as failures", "[alb_target_health]") {
  Fixture f;
  SECTION("only initial ones: not serving yet, and no fail-open note") {
    f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kInitial}));
    const ProbeResult r = f.Run();
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kTargetsUnhealthy);
    CHECK(r.detail ==
          "0/1 healthy; 1 initial (registering or first health checks); i-0a1b2c3d4e5f60005:80 initial "
          "Elb.InitialHealthChecking: Initial health checks in progress");
    CHECK(probetest::Observed(r, "targets_initial") == 1);
    CHECK(probetest::Observed(r, "targets_unhealthy") == 0);
  }
  SECTION("beside healthy ones") {
    f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1, kInitial, kDraining}));
    const ProbeResult r = f.Run();
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(r.detail ==
          "1/3 healthy; i-0a1b2c3d4e5f60005:80 initial Elb.InitialHealthChecking: Initial health checks in progress; "
          "i-0a1b2c3d4e5f60006:80 draining Target.DeregistrationInProgress: Target deregistration is in progress");
    CHECK(probetest::Observed(r, "targets_initial") == 1);
    CHECK(probetest::Observed(r, "targets_draining") == 1);
  }
}

TEST_CASE("alb_target_health: other target states are counted and named", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth",
                   TargetHealth({kHealthy1,
                                 Target("i-0a1b2c3d4e5f60008", "unused", "Target.NotInUse",
                                        "Target group is not configured to receive traffic from the load "
                                        "balancer"),
                                 Target("i-0a1b2c3d4e5f60009", "unavailable", "Target.HealthCheckDisabled",
                                        "Health checks are disabled")}));
  const ProbeResult r = f.Run();
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(probetest::Observed(r, "targets_unused") == 1);
  CHECK(probetest::Observed(r, "targets_unavailable") == 1);
  CHECK_THAT(r.detail, Contains("i-0a1b2c3d4e5f60009:80 unavailable Target.HealthCheckDisabled"));
  CHECK_THAT(r.detail, Contains("i-0a1b2c3d4e5f60008:80 unused Target.NotInUse"));
}

TEST_CASE("alb_target_health: the load balancer's state", "[alb_target_health]") {
  Fixture f;
  const std::string lb = "load_balancer_arn: " + std::string(kLoadBalancer) + "\n";
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1, kHealthy2}));
  SECTION("active") {
    f.api->AnswerXml("DescribeLoadBalancers", LoadBalancer("active"));
    const ProbeResult r = f.Run(lb);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(r.detail == "load balancer shop-alb active; 2/2 healthy");
    CHECK(probetest::Observed(r, "load_balancer_active") == 1);
    REQUIRE(f.api->CallsOf("DescribeLoadBalancers").size() == 1);
    const auto call = f.api->CallsOf("DescribeLoadBalancers")[0];
    CHECK(call.service == aws::AwsService::kElbv2);
    CHECK(call.params == aws::QueryParams{{"LoadBalancerArns.member.1", kLoadBalancer}});
    CHECK(call.deadline == f.api->CallsOf("DescribeTargetHealth").at(0).deadline);
  }
  SECTION("not active, whatever the targets say") {
    const auto [code, reason, detail] = GENERATE(table<std::string, std::string, std::string>({
        {"provisioning", "", "load balancer shop-alb is provisioning; 2/2 healthy"},
        {"active_impaired", "The load balancer cannot scale in Availability Zone eu-west-1b",
         "load balancer shop-alb is active_impaired: The load balancer cannot scale in Availability Zone eu-west-1b; "
         "2/2 healthy"},
        {"failed", "Insufficient IP addresses in subnet subnet-0123",
         "load balancer shop-alb is failed: Insufficient IP addresses in subnet subnet-0123; 2/2 healthy"},
    }));
    f.api->AnswerXml("DescribeLoadBalancers", LoadBalancer(code, reason));
    const ProbeResult r = f.Run(lb);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kLoadBalancerState);
    CHECK(r.detail == detail);
    CHECK(probetest::Observed(r, "load_balancer_active") == 0);
  }
}

TEST_CASE("alb_target_health: min_healthy as a count or a percentage of the targets not draining",
          "[alb_target_health]") {
  Fixture f;
  // 5 registered, 1 draining: 4 count towards a percentage; 2 healthy.
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1, kHealthy2, kMismatch, kInitial, kDraining}));
  const auto [spec, status, min] = GENERATE(table<std::string, ProbeStatus, std::string>({
      {"min_healthy: 2\n", ProbeStatus::kHealthy, "(min 2)"},
      {"min_healthy: 3\n", ProbeStatus::kUnhealthy, "(min 3)"},
      {"min_healthy: 50%\n", ProbeStatus::kHealthy, "(min 2 = 50%)"},
      {"min_healthy: 51%\n", ProbeStatus::kUnhealthy, "(min 3 = 51%)"},  // 2.04, rounded up
      {"min_healthy: \"75%\"\n", ProbeStatus::kUnhealthy, "(min 3 = 75%)"},
      {"min_healthy: 1%\n", ProbeStatus::kHealthy, "(min 1 = 1%)"},
  }));
  const ProbeResult r = f.Run(spec);
  CHECK(r.status == status);
  CHECK_THAT(r.detail, Contains("2/5 healthy " + min));
}

TEST_CASE("alb_target_health: no targets is unhealthy, even with a percentage", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({}));
  const ProbeResult r = f.Run("min_healthy: 10%\n");
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kTargetsUnhealthy);
  CHECK(r.detail == "0/0 healthy (min 1 = 10%); no targets registered");
}

TEST_CASE("alb_target_health: an answer missing what the judgement needs is unknown, never healthy",
          "[alb_target_health]") {
  Fixture f;
  const std::string lb = "load_balancer_arn: " + std::string(kLoadBalancer) + "\n";
  const auto [targets, balancers, detail] = GENERATE(table<std::string, std::string, std::string>({
      {R"(<DescribeTargetHealthResponse><DescribeTargetHealthResult/></DescribeTargetHealthResponse>)",
       LoadBalancer("active"),
       "unexpected answer from ELBv2: DescribeTargetHealth returned no TargetHealthDescriptions"},
      {TargetHealth({kHealthy1, "<member><Target><Id>i-1</Id></Target></member>"}), LoadBalancer("active"),
       "unexpected answer from ELBv2: a target health description without Target.Id or TargetHealth.State"},
      {TargetHealth({kHealthy1, "<member><TargetHealth><State>healthy</State></TargetHealth></member>"}),
       LoadBalancer("active"),
       "unexpected answer from ELBv2: a target health description without Target.Id or TargetHealth.State"},
      {R"(<DescribeTargetHealthResponse><Other/></DescribeTargetHealthResponse>)", LoadBalancer("active"),
       "unexpected answer from ELBv2: no result element"},
      {TargetHealth({kHealthy1}), LoadBalancer(""),
       "unexpected answer from ELBv2: load balancer " + std::string(kLoadBalancer) + " has no State.Code"},
      {TargetHealth({kHealthy1}),
       R"(<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>)",
       "unexpected answer from ELBv2: DescribeLoadBalancers did not list " + std::string(kLoadBalancer)},
  }));
  f.api->AnswerXml("DescribeTargetHealth", targets);
  f.api->AnswerXml("DescribeLoadBalancers", balancers);
  const ProbeResult r = f.Run(lb);
  CHECK(r.status == ProbeStatus::kUnknown);
  CHECK(r.reason == ProbeReason::kApiError);
  CHECK(r.detail == detail);
}

TEST_CASE("alb_target_health: API errors", "[alb_target_health]") {
  using K = aws::ApiErrorKind;
  Fixture f;
  const auto [kind, status, code, message, attempts, probe_status, reason, detail] =
      GENERATE(table<K, int, std::string, std::string, int, ProbeStatus, ProbeReason, std::string>({
          {K::kNotFound, 400, "TargetGroupNotFound", "One or more target groups not found", 1, ProbeStatus::kUnhealthy,
           ProbeReason::kNotFound,
           "target group " + std::string(kTargetGroup) +
               " not found (DescribeTargetHealth: 400 TargetGroupNotFound: One or more target groups not found)"},
          {K::kAuth, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match", 1,
           ProbeStatus::kUnknown, ProbeReason::kUnauthorized,
           "DescribeTargetHealth: 403 SignatureDoesNotMatch: The request signature we calculated does not match"},
          {K::kCredentials, 0, "", "no credentials: AWS_ACCESS_KEY_ID is not set, no shared credentials file", 1,
           ProbeStatus::kUnknown, ProbeReason::kUnauthorized,
           "DescribeTargetHealth: no credentials: AWS_ACCESS_KEY_ID is not set, no shared credentials file"},
          {K::kTimeout, 0, "", "", 2, ProbeStatus::kUnknown, ProbeReason::kTimeout,
           "DescribeTargetHealth: no answer before the deadline (after 2 attempts)"},
          {K::kThrottled, 400, "Throttling", "Rate exceeded", 4, ProbeStatus::kUnknown, ProbeReason::kApiError,
           "DescribeTargetHealth: 400 Throttling: Rate exceeded (after 4 attempts)"},
          {K::kServer, 500, "HealthUnavailable", "Health information is unavailable", 4, ProbeStatus::kUnknown,
           ProbeReason::kApiError,
           "DescribeTargetHealth: 500 HealthUnavailable: Health information is unavailable (after 4 attempts)"},
          {K::kTransport, 0, "", "connect to 10.0.0.1:443: Connection refused", 4, ProbeStatus::kUnknown,
           ProbeReason::kConnectionFailed,
           "DescribeTargetHealth: connect to 10.0.0.1:443: Connection refused (after 4 attempts)"},
          {K::kBadResponse, 200, "", "the answer is not XML", 1, ProbeStatus::kUnknown, ProbeReason::kApiError,
           "DescribeTargetHealth: 200 the answer is not XML"},
      }));
  f.api->AnswerError("DescribeTargetHealth", awstest::ApiErrorOf(kind, status, code, message), attempts);
  const ProbeResult r = f.Run();
  CHECK(r.status == probe_status);
  CHECK(r.reason == reason);
  CHECK(r.detail == detail);
}

TEST_CASE("alb_target_health: a missing load balancer is not_found", "[alb_target_health]") {
  Fixture f;
  f.api->AnswerXml("DescribeTargetHealth", TargetHealth({kHealthy1}));
  f.api->AnswerError("DescribeLoadBalancers",
                     awstest::ApiErrorOf(aws::ApiErrorKind::kNotFound, 400, "LoadBalancerNotFound",
                                         "One or more load balancers not found"));
  const ProbeResult r = f.Run("load_balancer_arn: " + std::string(kLoadBalancer) + "\n");
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNotFound);
  CHECK(r.detail == "load balancer " + std::string(kLoadBalancer) +
                        " not found (DescribeLoadBalancers: 400 LoadBalancerNotFound: One or more load balancers not "
                        "found)");
}

TEST_CASE("alb_target_health: config errors", "[alb_target_health]") {
  Fixture f;
  const ProbeDeps deps = f.Deps();
  const std::string tg = "target_group_arn: " + std::string(kTargetGroup) + "\n";
  CHECK(SpecErrors("min_healthy: 2\n", deps) == "t.yaml:1:1: (root): missing required key \"target_group_arn\"\n");
  CHECK(SpecErrors("", deps) ==
        "t.yaml:1:1: (root): the alb_target_health probe needs a spec with at least \"target_group_arn\"\n");
  CHECK(SpecErrors(tg, ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type alb_target_health needs a connection of type aws (set connection: NAME)\n");
  CHECK(SpecErrors(tg + "min_healty: 2\n", deps) ==
        "t.yaml:2:1: min_healty: unknown key \"min_healty\" (did you mean \"min_healthy\"?)\n");
  CHECK(SpecErrors("target_group_arn: shop-web\n", deps) ==
        "t.yaml:1:19: target_group_arn: \"shop-web\" is not an ELBv2 targetgroup ARN "
        "(arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/...)\n");
  CHECK(SpecErrors(tg + "load_balancer_arn: " + kTargetGroup + "\n", deps) ==
        "t.yaml:2:20: load_balancer_arn: \"" + std::string(kTargetGroup) +
            "\" is not an ELBv2 loadbalancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/...)\n");
  CHECK(SpecErrors(tg + "min_healthy: 0\n", deps) ==
        "t.yaml:2:14: min_healthy: must be between 1 and 9223372036854775807, got 0\n");
  CHECK(SpecErrors(tg + "min_healthy: 150%\n", deps) ==
        "t.yaml:2:14: min_healthy: expected a count of targets (at least 1) or a percentage from 1% to 100%, got "
        "\"150%\"\n");
  CHECK(SpecErrors(tg + "min_healthy: half%\n", deps) ==
        "t.yaml:2:14: min_healthy: expected a count of targets (at least 1) or a percentage from 1% to 100%, got "
        "\"half%\"\n");
  CHECK(SpecErrors(tg + "load_balancer_arn: " + kLoadBalancer + "\nmin_healthy: 100%\n", deps).empty());
}
