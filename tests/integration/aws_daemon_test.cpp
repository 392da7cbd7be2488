// runbookd with an aws connection to the fake AWS endpoint (signatures checked by botocore): the
// ALB and RDS probes report what they see, `runbookctl run rds-failover --dry-run` prints the plan
// without calling FailoverDBCluster, and the failover itself waits for an approver.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/support/fake_aws.hpp"
#include "tests/support/runbookd_process.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace json = boost::json;

namespace {

const std::string kRunbookctl = std::string(RUNBOOKD_BINARY_DIR) + "/daemon/ctl/runbookctl";
const char* kTargetGroup = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef";

std::string Config(const FakeAws& aws) {
  return R"(auth:
  tokens:
    - { name: oncall, role: operator, token_file: operator.token }
connections:
  shop-aws: )" +
         aws.ConnectionYaml() +
         R"(
probes:
  - name: shop-alb
    type: alb_target_health
    connection: shop-aws
    interval: 2s
    timeout: 2s
    spec: { target_group_arn: )" +
         kTargetGroup + R"(, min_healthy: 2 }
  - name: shop-db
    type: rds
    connection: shop-aws
    interval: 2s
    timeout: 2s
    spec: { db_cluster_identifier: orders-db }
actions:
  - name: rds-failover
    type: rds_failover
    connection: shop-aws
    spec: { db_cluster_identifier: orders-db }
)";
}

json::object State() {
  return json::parse(std::string(R"({"target_groups": {")") + kTargetGroup + R"(": {"targets": [
      {"id": "i-1", "port": 80, "state": "healthy"},
      {"id": "i-2", "port": 80, "state": "unhealthy", "reason": "Target.ResponseCodeMismatch",
       "description": "Health checks failed with these codes: [502]"}]}},
    "db_clusters": {"orders-db": {"status": "available", "engine": "aurora-postgresql",
      "members": [{"id": "orders-db-1", "writer": true}, {"id": "orders-db-2", "writer": false}]}}})")
      .as_object();
}

CommandResult Ctl(const RunbookdProcess& rb, const TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {kRunbookctl, "--url", rb.url(), "--token-file", dir.path() + "/operator.token"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

}  // namespace

TEST_CASE("runbookd against the fake AWS: probes report, rds-failover dry run plans without failing over") {
  auto aws = FakeAws::Start();
  aws->SetState(State());
  TempDir dir;
  dir.Write("operator.token", "operator-secret\n");
  const auto aws_env = aws->Environment();
  std::map<std::string, std::string> env(aws_env.begin(), aws_env.end());
  RunbookdProcess rb(dir, Config(*aws), env);
  if (!rb.WaitReady()) FAIL(rb.Log());

  // The probes, signed and accepted: one unhealthy target of two (min_healthy 2), the cluster's writer.
  std::string probes;
  const bool seen = PollUntil(
      [&] {
        probes = Ctl(rb, dir, {"probes"}).out;
        return probes.find("targets_unhealthy") != std::string::npos && probes.find("orders-db-1") != std::string::npos;
      },
      std::chrono::seconds(20));
  INFO(probes << rb.Log());
  CHECK(seen);
  CHECK(probes.find("Target.ResponseCodeMismatch") != std::string::npos);

  // The dry run prints the plan; FailoverDBCluster is never called.
  aws->ClearRequests();
  auto dry = Ctl(rb, dir, {"run", "rds-failover", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("orders-db-1") != std::string::npos);
  CHECK(dry.out.find("orders-db-2") != std::string::npos);
  CHECK(dry.out.find("FailoverDBCluster") != std::string::npos);
  CHECK(dry.out.find("dry run, nothing was changed") != std::string::npos);
  CHECK(aws->Requests("FailoverDBCluster").empty());
  CHECK_FALSE(aws->Requests("DescribeDBClusters").empty());

  // A real run of the destructive failover waits for approval: still no FailoverDBCluster.
  auto run = Ctl(rb, dir, {"run", "rds-failover"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("waiting for approval") != std::string::npos);
  CHECK(aws->Requests("FailoverDBCluster").empty());
  for (const auto& r : aws->Requests()) CHECK(r.as_object().at("signature") == "valid");
  // The secret key never reaches runbookd's log.
  CHECK(rb.Log().find(FakeAws::kSecretAccessKey) == std::string::npos);
}
