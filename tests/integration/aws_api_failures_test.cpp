// The real AWS API client when things go wrong: a wrong secret (refused, not retried, nothing
// changed), throttling and 5xx retried until success, final errors returned at once, stale
// credentials fetched again once, deadlines kept, and no credential in any error or log line.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "daemon/clients/aws/aws_api.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/fake_aws.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using runbookd::aws_test::LogCapture;
using runbookd::testing::BlackholeListener;
using runbookd::testing::FakeAws;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

json::object State(const std::string& faults = "[]", const std::string& cluster_status = "available") {
  return json::parse(R"({
    "target_groups": {"arn:tg": {"targets": [{"id": "i-1", "port": 80, "state": "healthy"}]}},
    "db_clusters": {"c1": {"status": ")" +
                     cluster_status + R"(",
      "members": [{"id": "db-1", "writer": true}, {"id": "db-2", "writer": false}]}},
    "nodegroups": {"prod/ng": {"min": 1, "max": 5, "desired": 3}},
    "faults": )" + faults +
                     "}")
      .as_object();
}

struct Client {
  SystemClock clock;
  LogCapture log;
  std::shared_ptr<Api> api;
  Client(const std::string& url, Environment env, RetryPolicy retry = Fast()) {
    AwsConnectionSettings s;
    s.name = "fake";
    s.region = FakeAws::kRegion;
    s.endpoints = {url, url, url, url};
    api = MakeApi(s, std::move(env), clock, log.logger, retry);
  }
  static RetryPolicy Fast() {
    RetryPolicy fast;
    fast.base_delay = 1ms;
    fast.max_delay = 5ms;
    return fast;
  }

  QueryReply Query(AwsService service, std::string action, QueryParams params,
                   std::chrono::milliseconds timeout = 20s) {
    asio::io_context ioc;
    std::optional<QueryReply> out;
    asio::co_spawn(ioc,
                   api->Query(ioc.get_executor(), service, std::move(action), std::move(params),
                              std::chrono::steady_clock::now() + timeout),
                   [&](std::exception_ptr e, QueryReply reply) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(reply);
                   });
    ioc.run();
    return std::move(*out);
  }
  JsonReply Json(std::string path) {
    asio::io_context ioc;
    std::optional<JsonReply> out;
    asio::co_spawn(ioc,
                   api->RestJson(ioc.get_executor(), AwsService::kEks, "GET", std::move(path), std::nullopt,
                                 std::chrono::steady_clock::now() + 20s),
                   [&](std::exception_ptr e, JsonReply reply) {
                     if (e) std::rethrow_exception(e);
                     out = std::move(reply);
                   });
    ioc.run();
    return std::move(*out);
  }
};

std::string Str(const json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("aws api: a wrong secret key is refused once, and changes nothing") {
  auto fake = FakeAws::Start();
  fake->SetState(State());
  Environment env = fake->Environment();
  env["AWS_SECRET_ACCESS_KEY"] = "wrong/secret/MARKER";
  Client client(fake->Url(), env);
  const QueryReply r = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c1"}});
  CHECK(r.error.kind == ApiErrorKind::kAuth);
  CHECK(r.error.code == "SignatureDoesNotMatch");
  CHECK(r.error.http_status == 403);
  CHECK(r.attempts == 1);
  const json::object cluster = fake->State().at("db_clusters").at("c1").as_object();
  CHECK(Str(cluster.at("status")) == "available");
  CHECK_FALSE(cluster.contains("pending_failover"));
  CHECK(cluster.at("members").at(0).at("writer").as_bool());
  const json::array seen = fake->Requests();
  REQUIRE(seen.size() == 1);
  CHECK(Str(seen[0].at("signature")) == "invalid");

  const JsonReply eks = client.Json("/clusters/prod/node-groups/ng");
  CHECK(eks.error.kind == ApiErrorKind::kAuth);
  CHECK(eks.error.code == "InvalidSignatureException");
  CHECK(eks.attempts == 1);
}

TEST_CASE("aws api: two Throttling answers, then success after three attempts") {
  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeTargetHealth", "status": 400, "code": "Throttling",
                            "message": "Rate exceeded", "count": 2}])"));
  Client client(fake->Url(), fake->Environment());
  const QueryReply r = client.Query(AwsService::kElbv2, "DescribeTargetHealth", {{"TargetGroupArn", "arn:tg"}});
  INFO(r.error.ToString());
  CHECK(r.error.ok());
  CHECK(r.attempts == 3);
  CHECK(r.result.child("TargetHealthDescriptions").child("member"));
  CHECK(fake->Requests("DescribeTargetHealth").size() == 3);
  CHECK(client.log.text().find("retrying") != std::string::npos);
}

TEST_CASE("aws api: a 503, a dropped connection, then success") {
  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeDBClusters", "status": 503, "code": "ServiceUnavailable"},
                           {"action": "DescribeDBClusters", "drop": true}])"));
  Client client(fake->Url(), fake->Environment());
  const QueryReply r = client.Query(AwsService::kRds, "DescribeDBClusters", {});
  INFO(r.error.ToString());
  CHECK(r.error.ok());
  CHECK(r.attempts == 3);
}

TEST_CASE("aws api: a failover that may have reached RDS is never sent twice, a throttled one is") {
  auto fake = FakeAws::Start();
  Client client(fake->Url(), fake->Environment());
  SECTION("a 503 or a dropped connection ends the call after one request") {
    fake->SetState(State(R"([{"action": "FailoverDBCluster", "status": 503, "code": "ServiceUnavailable"},
                             {"action": "FailoverDBCluster", "drop": true}])"));
    const QueryReply first = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c1"}});
    CHECK(first.error.kind == ApiErrorKind::kServer);
    CHECK(first.attempts == 1);
    const QueryReply second = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c1"}});
    CHECK_FALSE(second.error.ok());
    CHECK(second.attempts == 1);
    CHECK(fake->Requests("FailoverDBCluster").size() == 2);
  }
  SECTION("throttling is retried: RDS did not act on it") {
    fake->SetState(State(R"([{"action": "FailoverDBCluster", "status": 400, "code": "Throttling", "count": 1}])"));
    const QueryReply r = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c1"}});
    INFO(r.error.ToString());
    CHECK(r.error.ok());
    CHECK(r.attempts == 2);
  }
}

TEST_CASE("aws api: retries end after max_attempts with the last error") {
  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeTargetHealth", "status": 429, "code": "TooManyRequestsException",
                            "count": 10}, {"action": "DescribeNodegroup", "status": 500, "code": "ServerException",
                            "message": "boom", "count": 10}])"));
  Client client(fake->Url(), fake->Environment());
  const QueryReply r = client.Query(AwsService::kElbv2, "DescribeTargetHealth", {{"TargetGroupArn", "arn:tg"}});
  CHECK(r.error.kind == ApiErrorKind::kThrottled);
  CHECK(r.attempts == 4);
  const JsonReply eks = client.Json("/clusters/prod/node-groups/ng");
  CHECK(eks.error.kind == ApiErrorKind::kServer);
  CHECK(eks.error.ToString() == "eks GET /clusters/prod/node-groups/ng: 500 ServerException: boom");
  CHECK(eks.attempts == 4);
}

TEST_CASE("aws api: final errors are not retried") {
  auto fake = FakeAws::Start();
  fake->SetState(State("[]", "modifying"));
  Client client(fake->Url(), fake->Environment());
  const QueryReply r = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c1"}});
  CHECK(r.error.kind == ApiErrorKind::kInvalid);
  CHECK(r.error.code == "InvalidDBClusterStateFault");
  CHECK(r.attempts == 1);
  const QueryReply gone = client.Query(AwsService::kRds, "FailoverDBCluster", {{"DBClusterIdentifier", "c9"}});
  CHECK(gone.error.kind == ApiErrorKind::kNotFound);
  CHECK(gone.attempts == 1);
  CHECK(fake->Requests().size() == 2);
}

TEST_CASE("aws api: ExpiredToken fetches the credentials again and tries once more") {
  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeDBClusters", "status": 400, "code": "ExpiredToken",
                            "message": "The security token included in the request is expired"},
                           {"action": "DescribeDBInstances", "status": 403, "code": "InvalidClientTokenId",
                            "count": 5}])"));
  Client client(fake->Url(), fake->Environment());
  const QueryReply once = client.Query(AwsService::kRds, "DescribeDBClusters", {});
  CHECK(once.error.ok());
  CHECK(once.attempts == 2);
  const QueryReply always = client.Query(AwsService::kRds, "DescribeDBInstances", {});
  CHECK(always.error.kind == ApiErrorKind::kAuth);
  CHECK(always.attempts == 2);
}

TEST_CASE("aws api: a blackholed or slow endpoint ends in kTimeout by the deadline") {
  BlackholeListener hole;
  REQUIRE(hole.works());
  Client blackholed("http://127.0.0.1:" + std::to_string(hole.port()),
                    {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  auto started = std::chrono::steady_clock::now();
  const QueryReply r = blackholed.Query(AwsService::kRds, "DescribeDBClusters", {}, 500ms);
  CHECK(r.error.kind == ApiErrorKind::kTimeout);
  CHECK(r.attempts == 1);
  CHECK(std::chrono::steady_clock::now() - started < 3s);

  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeDBClusters", "delay_ms": 5000}])"));
  Client slow(fake->Url(), fake->Environment());
  started = std::chrono::steady_clock::now();
  const QueryReply late = slow.Query(AwsService::kRds, "DescribeDBClusters", {}, 500ms);
  CHECK(late.error.kind == ApiErrorKind::kTimeout);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("aws api: a backoff that would outlast the deadline is not slept") {
  auto fake = FakeAws::Start();
  fake->SetState(State(R"([{"action": "DescribeDBClusters", "status": 400, "code": "Throttling", "count": 5}])"));
  // Full jitter draws from [0, 1 h): almost always longer than the 10 s left, and never slept past them.
  RetryPolicy slow_backoff;
  slow_backoff.base_delay = std::chrono::hours(1);
  slow_backoff.max_delay = std::chrono::hours(1);
  Client client(fake->Url(), fake->Environment(), slow_backoff);
  const auto started = std::chrono::steady_clock::now();
  const QueryReply r = client.Query(AwsService::kRds, "DescribeDBClusters", {}, 10s);
  CHECK(r.error.kind == ApiErrorKind::kThrottled);
  CHECK(r.attempts >= 1);
  CHECK(std::chrono::steady_clock::now() - started < 11s);
}

TEST_CASE("aws api: no credentials at all is kCredentials, before anything is sent") {
  runbookd::testing::TempDir home;
  auto fake = FakeAws::Start();
  Client client(fake->Url(), {{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  const QueryReply r = client.Query(AwsService::kRds, "DescribeDBClusters", {});
  CHECK(r.error.kind == ApiErrorKind::kCredentials);
  CHECK(r.attempts == 0);
  CHECK(fake->Requests().empty());
}

TEST_CASE("aws api: no credential reaches an error or a log line, even when a server echoes it") {
  const std::string secret = "SECRET-KEY-MARKER/xyz";
  const std::string token = "SESSION-TOKEN-MARKER";
  const std::string echo = "id AKIDMARKER secret " + secret + " token " + token;
  TestHttpServer echoing([&](const TestRequest& req) {
    TestResponse r;
    r.status = req.target.find("/clusters/") == 0 ? 404 : 400;
    if (r.status == 404) {
      r.headers = {{"x-amzn-ErrorType", "ResourceNotFoundException " + token}};
      r.body = R"({"message": ")" + echo + R"("})";
    } else {
      r.body = "<ErrorResponse><Error><Code>InvalidParameterValue</Code><Message>" + echo +
               "</Message></Error><RequestId>" + token + "</RequestId></ErrorResponse>";
    }
    return r;
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(echoing.port());
  Client client(url,
                {{"AWS_ACCESS_KEY_ID", "AKIDMARKER"}, {"AWS_SECRET_ACCESS_KEY", secret}, {"AWS_SESSION_TOKEN", token}});
  std::vector<std::string> errors;
  errors.push_back(client.Query(AwsService::kRds, "DescribeDBClusters", {}).error.ToString());
  errors.push_back(client.Json("/clusters/prod/node-groups/ng").error.ToString());
  Client refused(
      "http://127.0.0.1:" + std::to_string(runbookd::testing::RefusedPort()),
      {{"AWS_ACCESS_KEY_ID", "AKIDMARKER"}, {"AWS_SECRET_ACCESS_KEY", secret}, {"AWS_SESSION_TOKEN", token}});
  errors.push_back(refused.Query(AwsService::kElbv2, "DescribeTargetHealth", {}).error.ToString());
  const std::string logs = client.log.text() + refused.log.text();
  INFO(logs);
  CHECK_FALSE(logs.empty());
  for (const std::string& text : errors) {
    INFO(text);
    CHECK(text.find("SECRET-KEY-MARKER") == std::string::npos);
    CHECK(text.find(token) == std::string::npos);
    CHECK(text.find("AKIDMARKER") == std::string::npos);
    CHECK(text.find("Signature=") == std::string::npos);
  }
  for (const std::string& marker : {std::string("SECRET-KEY-MARKER"), token, std::string("AKIDMARKER"),
                                    std::string("AWS4-HMAC-SHA256"), std::string("Signature=")}) {
    CHECK(logs.find(marker) == std::string::npos);
  }
  CHECK(errors[0].find("<secret>") != std::string::npos);
}
