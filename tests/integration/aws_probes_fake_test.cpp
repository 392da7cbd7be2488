// The alb_target_health and rds probes through the real AWS client against the fake AWS endpoint,
// which checks every signature with botocore and answers as ELBv2 and RDS do.
#include <spdlog/logger.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "daemon/clients/aws/aws_api.hpp"
#include "probes/alb_target_health/alb_target_health_probe.hpp"
#include "probes/rds/rds_probe.hpp"
#include "tests/support/fake_aws.hpp"
#include "tests/support/probe_harness.hpp"

using namespace runbookd;
using Catch::Matchers::Contains;
using runbookd::testing::FakeAws;

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kTargetGroup =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067";
constexpr const char* kLoadBalancer =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188";

// `targets` and the load balancer's `lb_state` / `lb_reason`; a cluster of two and one of its instances.
json::object State(const std::string& targets, const std::string& lb_state = "active",
                   const std::string& lb_reason = "") {
  return json::parse(R"({
    "target_groups": {")" +
                     std::string(kTargetGroup) + R"(": {"targets": )" + targets + R"(}},
    "load_balancers": {")" +
                     std::string(kLoadBalancer) + R"(": {"name": "shop-alb", "state": ")" + lb_state +
                     R"(", "reason": ")" + lb_reason + R"("}},
    "db_instances": {"shop-db-1": {"status": "available", "engine": "aurora-postgresql", "class": "db.r6g.large",
                                   "cluster": "shop-db"}},
    "db_clusters": {"shop-db": {"status": "available", "engine": "aurora-postgresql", "failover_describes": 2,
                                "members": [{"id": "shop-db-1", "writer": true}, {"id": "shop-db-2", "writer": false}]}}
  })")
      .as_object();
}

constexpr const char* kAllHealthy =
    R"([{"id": "i-0a1", "port": 80, "state": "healthy"}, {"id": "i-0a2", "port": 80, "state": "healthy"}])";
constexpr const char* kTwoUnhealthy = R"([
  {"id": "i-0a1", "port": 80, "state": "healthy"},
  {"id": "i-0a2", "port": 80, "state": "unhealthy", "reason": "Target.ResponseCodeMismatch",
   "description": "Health checks failed with these codes: [502]"},
  {"id": "i-0a3", "port": 8080, "state": "unhealthy", "reason": "Target.Timeout", "description": "Request timed out"},
  {"id": "i-0a4", "port": 80, "state": "initial", "reason": "Elb.InitialHealthChecking",
   "description": "Initial health checks in progress"}])";

struct Connection {
  SystemClock clock;
  std::shared_ptr<aws::Api> api;

  Connection(const FakeAws& fake, aws::Environment env) {
    aws::AwsConnectionSettings settings;
    settings.name = "fake";
    settings.region = FakeAws::kRegion;
    settings.endpoints = {fake.Url(), fake.Url(), fake.Url(), fake.Url()};
    aws::RetryPolicy fast;
    fast.base_delay = 1ms;
    fast.max_delay = 5ms;
    api =
        aws::MakeApi(std::move(settings), std::move(env), clock, std::make_shared<spdlog::logger>("aws-probes"), fast);
  }

  ProbeDeps Deps() const {
    ProbeDeps deps;
    deps.clock = &clock;
    deps.aws = api;
    deps.connection = "fake";
    return deps;
  }

  ProbeResult Run(const ProbeFactory& factory, const std::string& spec) const {
    auto probe = probetest::BuildProbe(factory, spec, Deps());
    return probetest::RunOnce(*probe, 20s).result;
  }

  aws::QueryReply Query(aws::AwsService service, std::string action, aws::QueryParams params) const {
    asio::io_context ioc;
    aws::QueryReply out;
    asio::co_spawn(ioc,
                   api->Query(ioc.get_executor(), service, std::move(action), std::move(params),
                              std::chrono::steady_clock::now() + 20s),
                   [&](std::exception_ptr e, aws::QueryReply reply) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(reply);
                   });
    ioc.run();
    return out;
  }
};

const std::string kAlbSpec =
    "target_group_arn: " + std::string(kTargetGroup) + "\nload_balancer_arn: " + std::string(kLoadBalancer) + "\n";

}  // namespace

TEST_CASE("aws probes: a healthy target group behind an active load balancer") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy));
  const Connection aws(*fake, fake->Environment());
  const ProbeResult r = aws.Run(probes::alb_target_health::MakeProbeFactory(), kAlbSpec);
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail == "load balancer shop-alb active; 2/2 healthy");
  CHECK(probetest::Observed(r, "targets_healthy") == 2);
  const json::array requests = fake->Requests();
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests) CHECK(request.at("signature") == "valid");
  CHECK(fake->Requests("DescribeTargetHealth").at(0).at("params").at("TargetGroupArn") == kTargetGroup);
  CHECK(fake->Requests("DescribeLoadBalancers").at(0).at("params").at("LoadBalancerArns.member.1") == kLoadBalancer);
}

TEST_CASE("aws probes: unhealthy targets are named with their reasons") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kTwoUnhealthy));
  const Connection aws(*fake, fake->Environment());
  const ProbeResult r = aws.Run(probes::alb_target_health::MakeProbeFactory(), kAlbSpec + "min_healthy: 50%\n");
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kTargetsUnhealthy);
  CHECK(r.detail ==
        "load balancer shop-alb active; 1/4 healthy (min 2 = 50%); 1 initial (registering or first health checks); "
        "i-0a2:80 unhealthy Target.ResponseCodeMismatch: Health checks failed with these codes: [502]; i-0a3:8080 "
        "unhealthy Target.Timeout: Request timed out; i-0a4:80 initial Elb.InitialHealthChecking: Initial health "
        "checks in progress");
  CHECK(probetest::Observed(r, "targets_unhealthy") == 2);
  CHECK(probetest::Observed(r, "targets_initial") == 1);
}

TEST_CASE("aws probes: a failed load balancer") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy, "failed", "Insufficient IP addresses in subnet subnet-0123"));
  const Connection aws(*fake, fake->Environment());
  const ProbeResult r = aws.Run(probes::alb_target_health::MakeProbeFactory(), kAlbSpec);
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kLoadBalancerState);
  CHECK(r.detail == "load balancer shop-alb is failed: Insufficient IP addresses in subnet subnet-0123; 2/2 healthy");
}

TEST_CASE("aws probes: an unknown target group is not_found") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy));
  const Connection aws(*fake, fake->Environment());
  const std::string other = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/gone/0000000000000000";
  const ProbeResult r = aws.Run(probes::alb_target_health::MakeProbeFactory(), "target_group_arn: " + other + "\n");
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNotFound);
  CHECK_THAT(r.detail, Contains("target group " + other + " not found (DescribeTargetHealth: 400 TargetGroupNotFound"));
}

TEST_CASE("aws probes: a wrong secret is unauthorized and never shown") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy));
  aws::Environment env = fake->Environment();
  env["AWS_SECRET_ACCESS_KEY"] = "not/the/secret/WRONGWRONG";
  const Connection aws(*fake, env);
  const ProbeResult alb = aws.Run(probes::alb_target_health::MakeProbeFactory(), kAlbSpec);
  const ProbeResult rds = aws.Run(probes::rds::MakeProbeFactory(), "db_cluster_identifier: shop-db\n");
  INFO(alb.detail << "\n" << rds.detail << "\n" << fake->Log());
  for (const ProbeResult& r : {alb, rds}) {
    CHECK(r.status == ProbeStatus::kUnknown);
    CHECK(r.reason == ProbeReason::kUnauthorized);
    CHECK_THAT(r.detail, Contains("403 SignatureDoesNotMatch"));
    CHECK_THAT(r.detail, !Contains("WRONGWRONG"));
  }
}

TEST_CASE("aws probes: an RDS cluster failing over, then serving with its new writer") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy));
  const Connection aws(*fake, fake->Environment());
  const auto factory = probes::rds::MakeProbeFactory();
  const std::string spec = "db_cluster_identifier: shop-db\ndb_instance_identifier: shop-db-1\n";

  ProbeResult r = aws.Run(factory, spec);
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail ==
        "DB cluster shop-db (aurora-postgresql) available; writer shop-db-1, 1 reader (shop-db-2); DB instance "
        "shop-db-1 (aurora-postgresql db.r6g.large) available");

  const aws::QueryReply failover =
      aws.Query(aws::AwsService::kRds, "FailoverDBCluster",
                {{"DBClusterIdentifier", "shop-db"}, {"TargetDBInstanceIdentifier", "shop-db-2"}});
  REQUIRE(failover.error.ok());

  // The fake shows the old writer for the next two DescribeDBClusters (failover_describes: 2).
  for (int i = 0; i < 2; ++i) {
    r = aws.Run(factory, "db_cluster_identifier: shop-db\n");
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kFailingOver);
    CHECK(r.detail ==
          "DB cluster shop-db (aurora-postgresql) is failing-over: writes fail until the failover completes; writer "
          "shop-db-1, 1 reader (shop-db-2)");
  }
  r = aws.Run(factory, "db_cluster_identifier: shop-db\n");
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK_THAT(r.detail, Contains("available; writer shop-db-2, 1 reader (shop-db-1)"));
}

TEST_CASE("aws probes: an unknown DB instance is not_found") {
  auto fake = FakeAws::Start();
  fake->SetState(State(kAllHealthy));
  const Connection aws(*fake, fake->Environment());
  const ProbeResult r = aws.Run(probes::rds::MakeProbeFactory(), "db_instance_identifier: shop-db-9\n");
  INFO(r.detail << "\n" << fake->Log());
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNotFound);
  CHECK_THAT(r.detail, Contains("DB instance shop-db-9 not found (DescribeDBInstances: 404 DBInstanceNotFound"));
}
