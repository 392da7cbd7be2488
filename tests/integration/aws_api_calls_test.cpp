// The real AWS API client against the fake AWS endpoint, which verifies every signature with
// botocore: Query calls (ELBv2, RDS), REST-JSON calls (EKS, with a signed query string), a session
// token, and error answers decoded into ApiErrorKind.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "daemon/clients/aws/aws_api.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/fake_aws.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using runbookd::aws_test::LogCapture;
using runbookd::testing::FakeAws;

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kTargetGroup = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc";

json::object State() {
  return json::parse(R"({
    "target_groups": {")" +
                     std::string(kTargetGroup) + R"(": {"targets": [
      {"id": "i-1", "port": 80, "state": "unhealthy", "reason": "Target.ResponseCodeMismatch",
       "description": "Health checks failed with these codes: [502]"},
      {"id": "i-2", "port": 80, "state": "healthy"}]}},
    "db_clusters": {"c1": {"status": "available", "engine": "aurora-postgresql", "failover_describes": 1,
      "members": [{"id": "db-1", "writer": true}, {"id": "db-2", "writer": false}]}},
    "nodegroups": {"prod/ng": {"min": 1, "max": 5, "desired": 3, "status": "ACTIVE", "update_polls": 0}}
  })")
      .as_object();
}

AwsConnectionSettings Settings(const FakeAws& fake) {
  AwsConnectionSettings s;
  s.name = "fake";
  s.region = FakeAws::kRegion;
  s.endpoints = {fake.Url(), fake.Url(), fake.Url(), fake.Url()};
  return s;
}

struct Client {
  SystemClock clock;
  LogCapture log;
  std::shared_ptr<Api> api;
  Client(const FakeAws& fake, Environment env) {
    RetryPolicy fast;
    fast.base_delay = 1ms;
    fast.max_delay = 5ms;
    api = MakeApi(Settings(fake), std::move(env), clock, log.logger, fast);
  }

  QueryReply Query(AwsService service, std::string action, QueryParams params) {
    return Run<QueryReply>([&](asio::any_io_executor ex, SteadyTime deadline) {
      return api->Query(ex, service, action, params, deadline);
    });
  }
  JsonReply Json(std::string method, std::string path, std::optional<json::value> body = std::nullopt) {
    return Run<JsonReply>([&](asio::any_io_executor ex, SteadyTime deadline) {
      return api->RestJson(ex, AwsService::kEks, method, path, body, deadline);
    });
  }

  template <typename T, typename F>
  T Run(F call) {
    asio::io_context ioc;
    std::optional<T> out;
    asio::co_spawn(ioc, call(ioc.get_executor(), std::chrono::steady_clock::now() + 20s),
                   [&](std::exception_ptr e, T reply) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(reply);
                   });
    ioc.run();
    return std::move(*out);
  }
};

std::string Str(const json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("aws api: DescribeTargetHealth is signed as botocore signs and its answer is read") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  Client client(*fake, fake->Environment());
  const QueryReply r = client.Query(AwsService::kElbv2, "DescribeTargetHealth", {{"TargetGroupArn", kTargetGroup}});
  INFO(r.error.ToString() << "\n" << fake->Log());
  REQUIRE(r.error.ok());
  CHECK(r.attempts == 1);
  CHECK_FALSE(r.error.request_id.empty());
  std::vector<std::string> states;
  for (pugi::xml_node m : r.result.child("TargetHealthDescriptions").children("member")) {
    states.push_back(m.child("TargetHealth").child_value("State"));
  }
  CHECK(states == std::vector<std::string>{"unhealthy", "healthy"});

  const json::array seen = fake->Requests();
  REQUIRE(seen.size() == 1);
  const json::object& req = seen[0].as_object();
  CHECK(Str(req.at("service")) == "elasticloadbalancing");
  CHECK(Str(req.at("action")) == "DescribeTargetHealth");
  CHECK(Str(req.at("signature")) == "valid");
  CHECK(Str(req.at("method")) == "POST");
  CHECK(Str(req.at("path")) == "/");
  CHECK(Str(req.at("user_agent")).starts_with("runbookd"));
  CHECK(Str(req.at("content_type")) == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(Str(req.at("params").at("Version")) == "2015-12-01");
  CHECK(Str(req.at("params").at("TargetGroupArn")) == kTargetGroup);
  CHECK(Str(req.at("region")) == "eu-west-1");
  CHECK(req.at("session_token").as_bool() == false);
}

TEST_CASE("aws api: DescribeDBClusters and FailoverDBCluster change the fake's cluster") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  Client client(*fake, fake->Environment());
  auto writer = [&] {
    const QueryReply r = client.Query(AwsService::kRds, "DescribeDBClusters", {{"DBClusterIdentifier", "c1"}});
    REQUIRE(r.error.ok());
    const pugi::xml_node cluster = r.result.child("DBClusters").child("DBCluster");
    for (pugi::xml_node m : cluster.child("DBClusterMembers").children("DBClusterMember")) {
      if (std::string(m.child_value("IsClusterWriter")) == "true") {
        return std::string(cluster.child_value("Status")) + " " + m.child_value("DBInstanceIdentifier");
      }
    }
    return std::string(cluster.child_value("Status"));
  };
  CHECK(writer() == "available db-1");
  const QueryReply failover = client.Query(AwsService::kRds, "FailoverDBCluster",
                                           {{"DBClusterIdentifier", "c1"}, {"TargetDBInstanceIdentifier", "db-2"}});
  INFO(failover.error.ToString());
  REQUIRE(failover.error.ok());
  CHECK(std::string(failover.result.child("DBCluster").child_value("Status")) == "failing-over");
  CHECK(writer() == "failing-over db-1");
  CHECK(writer() == "available db-2");
  for (const json::value& req : fake->Requests()) CHECK(Str(req.at("signature")) == "valid");
  CHECK(Str(fake->Requests("FailoverDBCluster")[0].at("params").at("Version")) == "2014-10-31");
}

TEST_CASE("aws api: UpdateNodegroupConfig, DescribeUpdate with its query, DescribeNodegroup") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  Client client(*fake, fake->Environment());
  const JsonReply update = client.Json("POST", "/clusters/prod/node-groups/ng/update-config",
                                       json::parse(R"({"scalingConfig": {"minSize": 2, "maxSize": 6, "desiredSize": 4},
                                  "clientRequestToken": "runbookd-test-1"})"));
  INFO(update.error.ToString() << "\n" << fake->Log());
  REQUIRE(update.error.ok());
  CHECK(update.http_status == 200);
  CHECK(update.attempts == 1);
  CHECK(Str(update.body.at("update").at("status")) == "InProgress");
  const std::string id = Str(update.body.at("update").at("id"));

  const JsonReply polled = client.Json("GET", "/clusters/prod/updates/" + id + "?nodegroupName=ng");
  REQUIRE(polled.error.ok());
  CHECK(Str(polled.body.at("update").at("status")) == "Successful");

  const JsonReply group = client.Json("GET", "/clusters/prod/node-groups/ng");
  REQUIRE(group.error.ok());
  CHECK(group.body.at("nodegroup").at("scalingConfig").at("desiredSize").as_int64() == 4);

  const json::array seen = fake->Requests();
  REQUIRE(seen.size() == 3);
  for (const json::value& req : seen) {
    CHECK(Str(req.at("service")) == "eks");
    CHECK(Str(req.at("signature")) == "valid");
  }
  CHECK(Str(seen[0].at("action")) == "UpdateNodegroupConfig");
  CHECK(seen[0].at("json").at("scalingConfig").at("maxSize").as_int64() == 6);
  CHECK(Str(seen[1].at("action")) == "DescribeUpdate");
  CHECK(Str(seen[1].at("params").at("nodegroupName")) == "ng");
}

TEST_CASE("aws api: a session token is sent as X-Amz-Security-Token, signed, and checked") {
  auto fake = FakeAws::Start();
  json::object state = State();
  state["credentials"] = json::object{
      {FakeAws::kAccessKeyId, json::object{{"secret", FakeAws::kSecretAccessKey}, {"session_token", "tok-123"}}}};
  fake->SetState(state);
  Environment env = fake->Environment();
  env["AWS_SESSION_TOKEN"] = "tok-123";
  Client client(*fake, env);
  const QueryReply ok = client.Query(AwsService::kRds, "DescribeDBClusters", {});
  INFO(ok.error.ToString());
  CHECK(ok.error.ok());
  const JsonReply eks = client.Json("GET", "/clusters/prod/node-groups/ng");
  CHECK(eks.error.ok());
  for (const json::value& req : fake->Requests()) {
    CHECK(Str(req.at("signature")) == "valid");
    CHECK(req.at("session_token").as_bool());
    CHECK(Str(req.at("signed_headers")).find("x-amz-security-token") != std::string::npos);
  }

  env["AWS_SESSION_TOKEN"] = "tok-other";
  Client stale(*fake, env);
  const QueryReply refused = stale.Query(AwsService::kRds, "DescribeDBClusters", {});
  CHECK(refused.error.kind == ApiErrorKind::kAuth);
  CHECK(refused.error.ToString().find("tok-other") == std::string::npos);
}

TEST_CASE("aws api: missing resources are kNotFound in both protocols") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  Client client(*fake, fake->Environment());
  const QueryReply cluster = client.Query(AwsService::kRds, "DescribeDBClusters", {{"DBClusterIdentifier", "c9"}});
  CHECK(cluster.error.kind == ApiErrorKind::kNotFound);
  CHECK(cluster.error.http_status == 404);
  CHECK(cluster.error.code == "DBClusterNotFoundFault");
  CHECK(cluster.error.call == "rds DescribeDBClusters");
  CHECK(cluster.attempts == 1);
  CHECK_FALSE(cluster.document);

  const QueryReply group = client.Query(AwsService::kElbv2, "DescribeTargetHealth", {{"TargetGroupArn", "arn:x"}});
  CHECK(group.error.kind == ApiErrorKind::kNotFound);
  CHECK(group.error.code == "TargetGroupNotFound");

  const JsonReply nodegroup = client.Json("GET", "/clusters/prod/node-groups/nope");
  CHECK(nodegroup.error.kind == ApiErrorKind::kNotFound);
  CHECK(nodegroup.error.code == "ResourceNotFoundException");
  CHECK(nodegroup.error.message == "No node group found for name: nope.");
  CHECK(nodegroup.http_status == 404);
  CHECK(nodegroup.error.ToString() ==
        "eks GET /clusters/prod/node-groups/nope: 404 ResourceNotFoundException: No node group found for name: nope.");

  const QueryReply eks_query = client.Query(AwsService::kEks, "DescribeNodegroup", {});
  CHECK(eks_query.error.kind == ApiErrorKind::kInvalid);
  CHECK(eks_query.attempts == 0);
}
