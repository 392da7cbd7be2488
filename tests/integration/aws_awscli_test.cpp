// runbookd held to the real awscli (1.45 on this image), run under faketime against a local fake:
// the same ELBv2 and RDS requests must carry the same Authorization header, `aws eks get-token`
// must print the same token, and the credential sources must send what botocore sends (STS web
// identity, IMDSv2, container endpoint) and sign with what they get exactly as botocore does.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <mutex>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/eks_token.hpp"
#include "daemon/clients/aws/signed_request.hpp"
#include "daemon/clients/aws/sigv4.hpp"
#include "daemon/clients/aws/uri_encode.hpp"
#include "daemon/clients/http/http_client.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using namespace runbookd::aws_test;
using runbookd::testing::CommandResult;
using runbookd::testing::ManualClock;
using runbookd::testing::RunCommand;
using runbookd::testing::TempDir;

namespace {

constexpr const char* kFakeTime = "2024-05-01 10:00:00";
constexpr const char* kTargetGroupArn =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067";
constexpr const char* kRoleArn = "arn:aws:iam::123456789012:role/runbookd";

// One local listener playing every AWS endpoint the tests need, recording what it is sent.
struct FakeAws {
  Recorder seen;
  TestHttpServer server{[this](const TestRequest& req) { return Handle(req); }};

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }

  // The requests whose form body starts with Action=<action>.
  std::vector<TestRequest> Calls(const std::string& action) const {
    std::vector<TestRequest> out;
    for (const auto& r : seen.All()) {
      if (r.body.rfind("Action=" + action + "&", 0) == 0) out.push_back(r);
    }
    return out;
  }

 private:
  TestResponse Handle(const TestRequest& req) {
    seen.Add(req);
    const std::string expiration = "2030-01-01T00:00:00Z";
    if (req.method == "PUT" && req.target == "/latest/api/token") return Answer("IMDS-SESSION-TOKEN");
    if (req.method == "GET" && req.target == "/latest/meta-data/iam/security-credentials/") return Answer("ec2-role");
    if (req.method == "GET" && req.target == "/latest/meta-data/iam/security-credentials/ec2-role") {
      return Answer(CredentialsJson("ASIAIMDS", "imds-secret", "imds-session-token", expiration), 200,
                    "application/json");
    }
    if (req.method == "GET" && req.target == "/v1/credentials") {
      return Answer(CredentialsJson("ASIACONTAINER", "container-secret", "container-session-token", expiration), 200,
                    "application/json");
    }
    const std::string& body = req.body;
    auto xml = [](std::string text) { return Answer(std::move(text), 200, "text/xml"); };
    if (body.rfind("Action=AssumeRoleWithWebIdentity&", 0) == 0) {
      return xml(StsCredentialsXml("ASIAWEB", "web-secret", "web-session-token", expiration));
    }
    if (body.rfind("Action=GetCallerIdentity&", 0) == 0) {
      return xml(
          R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>)"
          R"(<Arn>arn:aws:sts::123456789012:assumed-role/runbookd/s</Arn><UserId>AROA:s</UserId>)"
          R"(<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>)"
          R"(</ResponseMetadata></GetCallerIdentityResponse>)");
    }
    if (body.rfind("Action=DescribeTargetHealth&", 0) == 0) {
      return xml(
          R"(<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">)"
          R"(<DescribeTargetHealthResult><TargetHealthDescriptions><member><HealthCheckPort>80</HealthCheckPort>)"
          R"(<TargetHealth><State>unhealthy</State><Reason>Target.ResponseCodeMismatch</Reason>)"
          R"(<Description>Health checks failed with these codes: [502]</Description></TargetHealth>)"
          R"(<Target><Port>80</Port><Id>i-0fedcba987654321</Id></Target></member></TargetHealthDescriptions>)"
          R"(</DescribeTargetHealthResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>)"
          R"(</DescribeTargetHealthResponse>)");
    }
    if (body.rfind("Action=FailoverDBCluster&", 0) == 0) {
      return xml(
          R"(<FailoverDBClusterResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><FailoverDBClusterResult>)"
          R"(<DBCluster><DBClusterIdentifier>c1</DBClusterIdentifier><Status>failing-over</Status></DBCluster>)"
          R"(</FailoverDBClusterResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>)"
          R"(</FailoverDBClusterResponse>)");
    }
    return Answer("unexpected request", 400);
  }
};

// awscli in a clean environment (no ~/.aws, no ambient AWS_* variables, IMDS off unless `env` turns
// it on), under faketime, bounded by coreutils timeout.
CommandResult RunAws(const TempDir& home, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& extra, const std::string& faketime_flag = "") {
  INFO("aws: " << RUNBOOKD_AWS_CLI << ", faketime: " << RUNBOOKD_FAKETIME);
  REQUIRE_FALSE(std::string(RUNBOOKD_AWS_CLI).ends_with("NOTFOUND"));
  REQUIRE_FALSE(std::string(RUNBOOKD_FAKETIME).ends_with("NOTFOUND"));
  std::map<std::string, std::string> env = {
      {"PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"},
      {"HOME", home.path()},
      {"AWS_CONFIG_FILE", home.Write("empty-config", "")},
      {"AWS_SHARED_CREDENTIALS_FILE", home.Write("empty-credentials", "")},
      {"AWS_DEFAULT_REGION", "us-east-1"},
      {"AWS_EC2_METADATA_DISABLED", "true"},
      {"AWS_MAX_ATTEMPTS", "1"},
  };
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> argv = {"timeout", "--kill-after=5", "120", "env", "-i"};
  for (const auto& [k, v] : env) {
    if (!v.empty()) argv.push_back(k + "=" + v);
  }
  argv.push_back(RUNBOOKD_FAKETIME);
  if (!faketime_flag.empty()) argv.push_back(faketime_flag);
  argv.push_back(kFakeTime);
  argv.push_back(RUNBOOKD_AWS_CLI);
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, home.path());
}

AwsCredentials Keys(const std::string& id, const std::string& secret, const std::string& token) {
  AwsCredentials c;
  c.access_key_id = config::Secret(id);
  c.secret_access_key = config::Secret(secret);
  c.session_token = config::Secret(token);
  return c;
}

// Signs `request` with runbookd and sends it to the fake, as a later API client will.
void SendSigned(const FakeAws& fake, const sigv4::Request& request, const sigv4::Params& params,
                const AwsCredentials& credentials) {
  std::string error;
  const std::optional<Endpoint> endpoint = ParseEndpoint(fake.Url(), error);
  REQUIRE(endpoint);
  const http_client::Request http = SignedHttpRequest(*endpoint, request, params, credentials);
  asio::io_context ioc;
  http_client::Response response;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::any_io_executor ex = co_await asio::this_coro::executor;
        http_client::Options options;
        options.deadline = std::chrono::steady_clock::now() + 10s;
        options.follow_redirects = false;
        response = co_await http_client::Fetch(ex, http, options);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  INFO(response.error_message);
  REQUIRE(response.ok());
  CHECK(response.status == 200);
}

// The headers that carry the signature, and what they sign over, of two requests side by side.
void CheckSameSignedRequest(const TestRequest& awscli, const TestRequest& ours) {
  CHECK(ours.method == awscli.method);
  CHECK(ours.target == awscli.target);
  CHECK(ours.body == awscli.body);
  for (const char* name : {"host", "content-type", "x-amz-date", "x-amz-security-token", "authorization"}) {
    INFO("header " << name);
    CHECK(Header(ours, name) == Header(awscli, name));
  }
}

// A Query-protocol call of runbookd's: POST / with the form body, signed for `service` at the time
// awscli used.
sigv4::Request QueryCall(const QueryParams& params) {
  sigv4::Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = FormEncode(params);
  return r;
}

sigv4::Params SigningAt(const TestRequest& awscli, const std::string& region, const std::string& service) {
  const std::optional<WallTime> time = ParseAmzDate(Header(awscli, "x-amz-date"));
  REQUIRE(time);
  CHECK(Header(awscli, "x-amz-date").rfind("20240501T1000", 0) == 0);  // faketime took effect
  sigv4::Params p;
  p.region = region;
  p.service = service;
  p.time = *time;
  return p;
}

}  // namespace

TEST_CASE("awscli: elbv2 describe-target-health and runbookd send the same signed request") {
  for (const std::string token : {"", "FQoGZXIvYXdzEXAMPLE/session+token=="}) {
    INFO("session token: " << (token.empty() ? "none" : "yes"));
    TempDir home;
    FakeAws fake;
    const CommandResult cli = RunAws(home, {"elbv2", "describe-target-health", "--target-group-arn", kTargetGroupArn},
                                     {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                      {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                                      {"AWS_SESSION_TOKEN", token},
                                      {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", fake.Url()}});
    INFO("awscli stderr: " << cli.err);
    REQUIRE(cli.exit_code == 0);
    CHECK(cli.out.find("Target.ResponseCodeMismatch") != std::string::npos);
    const std::vector<TestRequest> awscli = fake.Calls("DescribeTargetHealth");
    REQUIRE(awscli.size() == 1);
    const std::string expected_signed =
        token.empty() ? "content-type;host;x-amz-date" : "content-type;host;x-amz-date;x-amz-security-token";
    CHECK(Header(awscli[0], "authorization").find("SignedHeaders=" + expected_signed + ",") != std::string::npos);

    const sigv4::Request call =
        QueryCall({{"Action", "DescribeTargetHealth"}, {"Version", "2015-12-01"}, {"TargetGroupArn", kTargetGroupArn}});
    CHECK(call.body == awscli[0].body);
    SendSigned(fake, call, SigningAt(awscli[0], "us-east-1", "elasticloadbalancing"),
               Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token));
    const std::vector<TestRequest> both = fake.Calls("DescribeTargetHealth");
    REQUIRE(both.size() == 2);
    CheckSameSignedRequest(awscli[0], both[1]);
    UNSCOPED_INFO("awscli:   " << Header(awscli[0], "authorization"));
    UNSCOPED_INFO("runbookd: " << Header(both[1], "authorization"));
    CHECK(Header(both[1], "authorization") == Header(awscli[0], "authorization"));
  }
}

TEST_CASE("awscli: rds failover-db-cluster and runbookd send the same signed request") {
  for (const std::string token : {"", "IQoJb3JpZ2luX2VjEXAMPLE/rds+token="}) {
    INFO("session token: " << (token.empty() ? "none" : "yes"));
    TempDir home;
    FakeAws fake;
    // awscli v1 rewrites the RDS endpoint in us-east-1 unless --endpoint-url is on the command line.
    const CommandResult cli = RunAws(home,
                                     {"rds", "failover-db-cluster", "--db-cluster-identifier", "c1",
                                      "--target-db-instance-identifier", "db2", "--endpoint-url", fake.Url()},
                                     {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                      {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                                      {"AWS_SESSION_TOKEN", token}});
    INFO("awscli stderr: " << cli.err);
    REQUIRE(cli.exit_code == 0);
    CHECK(cli.out.find("failing-over") != std::string::npos);
    const std::vector<TestRequest> awscli = fake.Calls("FailoverDBCluster");
    REQUIRE(awscli.size() == 1);
    CHECK(awscli[0].body ==
          "Action=FailoverDBCluster&Version=2014-10-31&DBClusterIdentifier=c1&TargetDBInstanceIdentifier=db2");

    const sigv4::Request call = QueryCall({{"Action", "FailoverDBCluster"},
                                           {"Version", "2014-10-31"},
                                           {"DBClusterIdentifier", "c1"},
                                           {"TargetDBInstanceIdentifier", "db2"}});
    SendSigned(fake, call, SigningAt(awscli[0], "us-east-1", "rds"),
               Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token));
    const std::vector<TestRequest> both = fake.Calls("FailoverDBCluster");
    REQUIRE(both.size() == 2);
    CheckSameSignedRequest(awscli[0], both[1]);
    UNSCOPED_INFO("awscli:   " << Header(awscli[0], "authorization"));
    UNSCOPED_INFO("runbookd: " << Header(both[1], "authorization"));
    CHECK(Header(both[1], "authorization") == Header(awscli[0], "authorization"));
  }
}

TEST_CASE("awscli: eks get-token prints the token runbookd builds, byte for byte") {
  struct Case {
    std::string region, cluster, token;
  };
  for (const Case& c : {Case{"us-east-1", "c1", ""}, Case{"us-east-1", "c1", "tok/en+="},
                        Case{"eu-west-1", "prod-cluster_2", "IQoJb3JpZ2luX2VjEXAMPLE"}}) {
    INFO(c.region << " " << c.cluster << " token " << (c.token.empty() ? "none" : "yes"));
    TempDir home;
    const CommandResult cli = RunAws(home, {"eks", "get-token", "--cluster-name", c.cluster},
                                     {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                      {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                                      {"AWS_SESSION_TOKEN", c.token},
                                      {"AWS_DEFAULT_REGION", c.region}});
    INFO("awscli stderr: " << cli.err);
    REQUIRE(cli.exit_code == 0);
    const boost::json::value out = boost::json::parse(cli.out);
    const std::string awscli_token(out.at("status").at("token").as_string());
    const std::string awscli_expiry(out.at("status").at("expirationTimestamp").as_string());

    // The time awscli signed at (faketime's clock runs from 10:00:00): from its token's X-Amz-Date.
    std::string url;
    REQUIRE(DecodeBase64Url(awscli_token.substr(std::string("k8s-aws-v1.").size()), url));
    const size_t at = url.find("X-Amz-Date=");
    REQUIRE(at != std::string::npos);
    EksTokenRequest request;
    request.cluster = c.cluster;
    request.region = c.region;
    request.now = *ParseAmzDate(url.substr(at + 11, 16));
    const EksToken ours =
        MakeEksToken(request, Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", c.token));
    CHECK(ours.token.Reveal() == awscli_token);
    CHECK(FormatIso8601(ours.expiration) == awscli_expiry);
  }
}

TEST_CASE("awscli: web identity sends the same AssumeRoleWithWebIdentity, then signs with its credentials alike") {
  TempDir home;
  FakeAws fake;
  const std::string token_file = home.Write("web-identity-token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcHMifQ.sig");
  const std::map<std::string, std::string> web_env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                                      {"AWS_ROLE_ARN", kRoleArn},
                                                      {"AWS_ROLE_SESSION_NAME", "runbookd-test"},
                                                      {"AWS_ENDPOINT_URL_STS", fake.Url()}};
  const CommandResult cli = RunAws(home, {"sts", "get-caller-identity"}, web_env);
  INFO("awscli stderr: " << cli.err);
  REQUIRE(cli.exit_code == 0);
  CHECK(cli.out.find("123456789012") != std::string::npos);

  ManualClock clock;
  ChainSettings settings;
  settings.env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  for (const auto& [k, v] : web_env) settings.env[k] = v;
  CredentialChain chain(settings, clock, nullptr);
  const CredentialsResult got = GetOne(chain);
  INFO(got.error);
  REQUIRE(got.ok());
  CHECK(got.credentials.access_key_id.Reveal() == "ASIAWEB");

  const std::vector<TestRequest> assume = fake.Calls("AssumeRoleWithWebIdentity");
  REQUIRE(assume.size() == 2);
  // The same parameters; botocore's order follows its kwargs (RoleSessionName first when it comes from
  // AWS_ROLE_SESSION_NAME), which the service does not care about.
  auto sorted_params = [](const std::string& body) {
    std::optional<QueryParams> params = ParseQuery(body);
    REQUIRE(params);
    std::sort(params->begin(), params->end());
    return *params;
  };
  CHECK(sorted_params(assume[1].body) == sorted_params(assume[0].body));
  CHECK(Header(assume[1], "content-type") == Header(assume[0], "content-type"));
  CHECK(Header(assume[0], "authorization").empty());
  CHECK(Header(assume[1], "authorization").empty());

  // awscli's GetCallerIdentity, signed with the web identity credentials, and runbookd's.
  const std::vector<TestRequest> awscli = fake.Calls("GetCallerIdentity");
  REQUIRE(awscli.size() == 1);
  SendSigned(fake, QueryCall({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}),
             SigningAt(awscli[0], "us-east-1", "sts"), got.credentials);
  const std::vector<TestRequest> both = fake.Calls("GetCallerIdentity");
  REQUIRE(both.size() == 2);
  CheckSameSignedRequest(awscli[0], both[1]);
}

TEST_CASE("awscli: IMDSv2 and the container endpoint are asked the same way, and their credentials sign alike") {
  TempDir home;
  FakeAws fake;
  struct Case {
    std::string name;
    std::map<std::string, std::string> env;
    std::vector<std::string> expected;  // "METHOD target" of the credential requests
  };
  const std::vector<Case> cases = {
      {"imds",
       {{"AWS_EC2_METADATA_DISABLED", ""}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.Url() + "/"}},
       {"PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
        "GET /latest/meta-data/iam/security-credentials/ec2-role"}},
      {"container",
       {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.Url() + "/v1/credentials"},
        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token"}},
       {"GET /v1/credentials"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::map<std::string, std::string> env = c.env;
    env["AWS_ENDPOINT_URL_STS"] = fake.Url();
    const size_t before = fake.seen.size();
    const CommandResult cli = RunAws(home, {"sts", "get-caller-identity"}, env);
    INFO("awscli stderr: " << cli.err);
    REQUIRE(cli.exit_code == 0);
    const std::vector<TestRequest> cli_requests = fake.seen.All();
    std::vector<TestRequest> cli_credential_requests(cli_requests.begin() + static_cast<long>(before),
                                                     cli_requests.end());
    std::erase_if(cli_credential_requests, [](const TestRequest& r) { return r.method == "POST"; });

    ManualClock clock;
    ChainSettings settings;
    settings.env = {{"HOME", home.path()}};
    for (const auto& [k, v] : env) {
      if (!v.empty()) settings.env[k] = v;
    }
    CredentialChain chain(settings, clock, nullptr);
    const size_t mid = fake.seen.size();
    const CredentialsResult got = GetOne(chain);
    INFO(got.error);
    REQUIRE(got.ok());
    const std::vector<TestRequest> all = fake.seen.All();
    const std::vector<TestRequest> ours(all.begin() + static_cast<long>(mid), all.end());

    std::vector<std::string> cli_lines, our_lines;
    for (const auto& r : cli_credential_requests) cli_lines.push_back(r.method + " " + r.target);
    for (const auto& r : ours) our_lines.push_back(r.method + " " + r.target);
    CHECK(cli_lines == c.expected);
    CHECK(our_lines == c.expected);
    for (size_t i = 0; i < std::min(ours.size(), cli_credential_requests.size()); ++i) {
      for (const char* name : {"x-aws-ec2-metadata-token-ttl-seconds", "x-aws-ec2-metadata-token", "authorization"}) {
        INFO("request " << i << " header " << name);
        CHECK(Header(ours[i], name) == Header(cli_credential_requests[i], name));
      }
    }

    const std::vector<TestRequest> awscli = fake.Calls("GetCallerIdentity");
    REQUIRE(!awscli.empty());
    SendSigned(fake, QueryCall({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}),
               SigningAt(awscli.back(), "us-east-1", "sts"), got.credentials);
    const std::vector<TestRequest> both = fake.Calls("GetCallerIdentity");
    CheckSameSignedRequest(awscli.back(), both.back());
  }
}
