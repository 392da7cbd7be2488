// The fake AWS endpoint held to the real client: the image's awscli (botocore 1.43) signs requests
// the fake must accept, and must parse every answer the fake gives, errors included.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/support/fake_aws.hpp"
#include "tests/support/subprocess.hpp"

using runbookd::testing::CommandResult;
using runbookd::testing::FakeAws;
using runbookd::testing::RunCommand;
using runbookd::testing::TempDir;

namespace {

namespace json = boost::json;

constexpr const char* kTargetGroup = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc";
constexpr const char* kLoadBalancer = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc";

json::object State() {
  return json::parse(R"({
    "target_groups": {")" +
                     std::string(kTargetGroup) + R"(": {"targets": [
      {"id": "i-1", "port": 80, "state": "unhealthy", "reason": "Target.ResponseCodeMismatch",
       "description": "Health checks failed with these codes: [502]"},
      {"id": "i-2", "port": 8080, "state": "healthy"}]}},
    "load_balancers": {")" +
                     std::string(kLoadBalancer) + R"(": {"name": "shop", "state": "active_impaired",
      "reason": "degraded", "type": "application", "scheme": "internal", "dns_name": "shop.example"}},
    "db_instances": {"db-1": {"status": "available", "cluster": "c1", "port": 5432, "address": "db-1.example"},
                     "db-2": {"status": "rebooting", "cluster": "c1"}},
    "db_clusters": {"c1": {"status": "available", "failover_describes": 1,
      "members": [{"id": "db-1", "writer": true}, {"id": "db-2", "writer": false}]}},
    "nodegroups": {"prod/ng": {"min": 1, "max": 5, "desired": 3, "status": "ACTIVE", "update_polls": 1}}
  })")
      .as_object();
}

// awscli in a clean environment (no ~/.aws, no ambient AWS_* variables, no IMDS, no retries),
// bounded by coreutils timeout.
struct AwsCli {
  const FakeAws& fake;
  TempDir home;
  std::string secret = FakeAws::kSecretAccessKey;

  CommandResult Run(const std::vector<std::string>& args) {
    INFO("aws: " << RUNBOOKD_AWS_CLI);
    REQUIRE_FALSE(std::string(RUNBOOKD_AWS_CLI).ends_with("NOTFOUND"));
    std::vector<std::string> argv = {"timeout",
                                     "--kill-after=5",
                                     "120",
                                     "env",
                                     "-i",
                                     std::string("PATH=") + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin"),
                                     "HOME=" + home.path(),
                                     "AWS_CONFIG_FILE=" + home.Write("config", ""),
                                     "AWS_SHARED_CREDENTIALS_FILE=" + home.Write("credentials", ""),
                                     "AWS_EC2_METADATA_DISABLED=true",
                                     "AWS_MAX_ATTEMPTS=1",
                                     std::string("AWS_DEFAULT_REGION=") + FakeAws::kRegion,
                                     std::string("AWS_ACCESS_KEY_ID=") + FakeAws::kAccessKeyId,
                                     "AWS_SECRET_ACCESS_KEY=" + secret,
                                     RUNBOOKD_AWS_CLI,
                                     "--endpoint-url",
                                     fake.Url(),
                                     "--output",
                                     "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, home.path());
  }

  json::value Json(const std::vector<std::string>& args) {
    const CommandResult r = Run(args);
    INFO("exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err << "\nfake:\n" << fake.Log());
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

std::string Str(const json::value& v) { return std::string(v.as_string()); }

void CheckAllSignaturesValid(FakeAws& fake) {
  for (const json::value& req : fake.Requests()) {
    INFO(json::serialize(req));
    CHECK(Str(req.at("signature")) == "valid");
    CHECK(Str(req.at("user_agent")).starts_with("aws-cli/"));
  }
}

}  // namespace

TEST_CASE("fake aws: awscli reads ELBv2 target health and load balancers") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  AwsCli aws{*fake};
  const json::value health = aws.Json({"elbv2", "describe-target-health", "--target-group-arn", kTargetGroup});
  const json::array& targets = health.at("TargetHealthDescriptions").as_array();
  REQUIRE(targets.size() == 2);
  CHECK(Str(targets[0].at("Target").at("Id")) == "i-1");
  CHECK(targets[0].at("Target").at("Port").as_int64() == 80);
  CHECK(Str(targets[0].at("TargetHealth").at("State")) == "unhealthy");
  CHECK(Str(targets[0].at("TargetHealth").at("Reason")) == "Target.ResponseCodeMismatch");
  CHECK(Str(targets[1].at("TargetHealth").at("State")) == "healthy");
  CHECK_FALSE(targets[1].at("TargetHealth").as_object().contains("Reason"));

  const json::value one = aws.Json({"elbv2", "describe-target-health", "--target-group-arn", kTargetGroup, "--targets",
                                    "Id=i-2,Port=8080", "Id=i-9"});
  REQUIRE(one.at("TargetHealthDescriptions").as_array().size() == 2);
  CHECK(Str(one.at("TargetHealthDescriptions").at(1).at("TargetHealth").at("Reason")) == "Target.NotRegistered");

  const json::value lbs = aws.Json({"elbv2", "describe-load-balancers", "--load-balancer-arns", kLoadBalancer});
  const json::value& lb = lbs.at("LoadBalancers").at(0);
  CHECK(Str(lb.at("LoadBalancerName")) == "shop");
  CHECK(Str(lb.at("State").at("Code")) == "active_impaired");
  CHECK(Str(lb.at("Scheme")) == "internal");
  CHECK(Str(lb.at("DNSName")) == "shop.example");

  const CommandResult missing = aws.Run({"elbv2", "describe-target-health", "--target-group-arn", "arn:nope"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("An error occurred (TargetGroupNotFound) when calling the DescribeTargetHealth operation") !=
        std::string::npos);
  const CommandResult no_lb = aws.Run({"elbv2", "describe-load-balancers", "--names", "other"});
  CHECK(no_lb.err.find("(LoadBalancerNotFound)") != std::string::npos);
  CheckAllSignaturesValid(*fake);
}

TEST_CASE("fake aws: awscli fails over an RDS cluster and watches it") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  AwsCli aws{*fake};
  const json::value instances = aws.Json({"rds", "describe-db-instances", "--filters", "Name=db-cluster-id,Values=c1"});
  REQUIRE(instances.at("DBInstances").as_array().size() == 2);
  CHECK(Str(instances.at("DBInstances").at(0).at("Endpoint").at("Address")) == "db-1.example");
  CHECK(Str(instances.at("DBInstances").at(1).at("DBInstanceStatus")) == "rebooting");

  const json::value failover = aws.Json(
      {"rds", "failover-db-cluster", "--db-cluster-identifier", "c1", "--target-db-instance-identifier", "db-2"});
  CHECK(Str(failover.at("DBCluster").at("Status")) == "failing-over");
  const std::vector<std::string> describe = {"rds", "describe-db-clusters", "--db-cluster-identifier", "c1"};
  const json::value during = aws.Json(describe);
  CHECK(Str(during.at("DBClusters").at(0).at("Status")) == "failing-over");
  CHECK(during.at("DBClusters").at(0).at("DBClusterMembers").at(0).at("IsClusterWriter").as_bool());
  const json::value after = aws.Json(describe);
  CHECK(Str(after.at("DBClusters").at(0).at("Status")) == "available");
  CHECK(after.at("DBClusters").at(0).at("DBClusterMembers").at(1).at("IsClusterWriter").as_bool());
  CHECK(Str(fake->Requests("FailoverDBCluster").at(0).at("params").at("TargetDBInstanceIdentifier")) == "db-2");

  const CommandResult reader = aws.Run(
      {"rds", "failover-db-cluster", "--db-cluster-identifier", "c1", "--target-db-instance-identifier", "db-2"});
  CHECK(reader.err.find("(InvalidDBInstanceState)") != std::string::npos);
  const CommandResult gone = aws.Run({"rds", "describe-db-clusters", "--db-cluster-identifier", "c9"});
  CHECK(gone.err.find("(DBClusterNotFoundFault)") != std::string::npos);
  CheckAllSignaturesValid(*fake);

  // A wrong secret: refused, and the cluster is untouched.
  aws.secret = "wrong";
  const CommandResult refused = aws.Run({"rds", "failover-db-cluster", "--db-cluster-identifier", "c1"});
  CHECK(refused.err.find("(SignatureDoesNotMatch)") != std::string::npos);
  CHECK(Str(fake->Requests().back().at("signature")) == "invalid");
  CHECK(fake->State().at("db_clusters").at("c1").at("failovers").as_int64() == 1);
}

TEST_CASE("fake aws: awscli updates an EKS nodegroup and polls the update") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  AwsCli aws{*fake};
  const json::value update = aws.Json({"eks", "update-nodegroup-config", "--cluster-name", "prod", "--nodegroup-name",
                                       "ng", "--scaling-config", "minSize=2,maxSize=6,desiredSize=4"});
  CHECK(Str(update.at("update").at("status")) == "InProgress");
  CHECK(Str(update.at("update").at("type")) == "ConfigUpdate");
  const std::string id = Str(update.at("update").at("id"));
  // botocore fills clientRequestToken with a UUID.
  CHECK(fake->Requests("UpdateNodegroupConfig").at(0).at("json").as_object().contains("clientRequestToken"));

  const std::vector<std::string> poll = {"eks", "describe-update",  "--name", "prod", "--update-id",
                                         id,    "--nodegroup-name", "ng"};
  CHECK(Str(aws.Json(poll).at("update").at("status")) == "InProgress");
  CHECK(Str(aws.Json(poll).at("update").at("status")) == "Successful");
  const json::value group = aws.Json({"eks", "describe-nodegroup", "--cluster-name", "prod", "--nodegroup-name", "ng"});
  CHECK(group.at("nodegroup").at("scalingConfig").at("desiredSize").as_int64() == 4);
  CHECK(Str(group.at("nodegroup").at("status")) == "ACTIVE");

  const CommandResult missing =
      aws.Run({"eks", "describe-nodegroup", "--cluster-name", "prod", "--nodegroup-name", "x"});
  CHECK(missing.err.find("(ResourceNotFoundException)") != std::string::npos);
  const CommandResult invalid = aws.Run({"eks", "update-nodegroup-config", "--cluster-name", "prod", "--nodegroup-name",
                                         "ng", "--scaling-config", "minSize=5,maxSize=6,desiredSize=4"});
  CHECK(invalid.err.find("(InvalidParameterException)") != std::string::npos);
  const json::value identity = aws.Json({"sts", "get-caller-identity"});
  CHECK(Str(identity.at("Account")) == "123456789012");
  CheckAllSignaturesValid(*fake);

  aws.secret = "wrong";
  const CommandResult refused =
      aws.Run({"eks", "describe-nodegroup", "--cluster-name", "prod", "--nodegroup-name", "ng"});
  CHECK(refused.err.find("(InvalidSignatureException)") != std::string::npos);
}

TEST_CASE("fake aws: faults are answered in order and awscli reads them as AWS errors") {
  auto fake = FakeAws::Start();
  json::object state = State();
  state["faults"] = json::parse(R"([{"action": "DescribeTargetHealth", "status": 400, "code": "Throttling",
                                     "message": "Rate exceeded", "count": 2}])");
  fake->SetState(state);
  AwsCli aws{*fake};
  const std::vector<std::string> call = {"elbv2", "describe-target-health", "--target-group-arn", kTargetGroup};
  for (int i = 0; i < 2; ++i) CHECK(aws.Run(call).err.find("(Throttling)") != std::string::npos);
  CHECK(aws.Run(call).exit_code == 0);
  CHECK(fake->State().at("faults").as_array().empty());
  fake->ClearRequests();
  CHECK(fake->Requests().empty());
}
