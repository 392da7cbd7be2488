// No secret key, session token, web identity token, container authorization token, IMDS token or
// access key id reaches the chain's log lines or error messages, on success or on any failure, even
// when a server echoes them back in its answer.
#include <catch2/catch.hpp>
#include <mutex>
#include <sstream>

#include "daemon/clients/aws/eks_token.hpp"
#include "daemon/clients/aws/sigv4.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using namespace runbookd::aws_test;
using runbookd::testing::ManualClock;
using runbookd::testing::TempDir;

namespace {

const std::vector<std::string> kMarkers = {"AKID-MARKER",         "SECRET-KEY-MARKER",     "SESSION-TOKEN-MARKER",
                                           "WEB-IDENTITY-MARKER", "CONTAINER-AUTH-MARKER", "IMDS-TOKEN-MARKER"};

// Answers that echo every marker outside the fields runbookd may quote.
const std::string kEcho =
    "AKID-MARKER SECRET-KEY-MARKER SESSION-TOKEN-MARKER WEB-IDENTITY-MARKER "
    "CONTAINER-AUTH-MARKER IMDS-TOKEN-MARKER";

std::string Good() {
  return CredentialsJson("AKID-MARKER", "SECRET-KEY-MARKER", "SESSION-TOKEN-MARKER", "2030-01-01T00:00:00Z");
}

// A server whose answer the test switches between cases.
struct Switchable {
  std::mutex mu;
  TestResponse response;
  TestHttpServer server{[this](const TestRequest& req) {
    std::lock_guard lock(mu);
    if (req.method == "PUT") return Answer("IMDS-TOKEN-MARKER");  // IMDSv2 token
    if (req.target == "/latest/meta-data/iam/security-credentials/") return Answer("role");
    return response;
  }};
  void Set(int status, std::string body) {
    std::lock_guard lock(mu);
    response = aws_test::Answer(std::move(body), status);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

}  // namespace

TEST_CASE("aws credentials: secrets stay out of logs and error messages on every path") {
  TempDir home;
  ManualClock clock;
  LogCapture log;
  Switchable fake;
  std::vector<std::string> messages;
  auto run = [&](const ChainSettings& settings) {
    CredentialChain chain(settings, clock, log.logger);
    const CredentialsResult r = GetOne(chain, 5s);
    messages.push_back(r.error);
    std::ostringstream printed;  // what a caller formatting the credentials would print
    printed << r.credentials.access_key_id << r.credentials.secret_access_key << r.credentials.session_token;
    messages.push_back(printed.str());
    return r;
  };
  auto base = [&] {
    ChainSettings s;
    s.name = "secrets";
    s.env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.Url()}};
    return s;
  };

  // Environment: good, and partial in both directions.
  ChainSettings env = base();
  env.env["AWS_ACCESS_KEY_ID"] = "AKID-MARKER";
  env.env["AWS_SECRET_ACCESS_KEY"] = "SECRET-KEY-MARKER";
  env.env["AWS_SESSION_TOKEN"] = "SESSION-TOKEN-MARKER";
  CHECK(run(env).ok());
  env.env.erase("AWS_SECRET_ACCESS_KEY");
  CHECK_FALSE(run(env).ok());
  env.env.erase("AWS_ACCESS_KEY_ID");
  env.env["AWS_SECRET_ACCESS_KEY"] = "SECRET-KEY-MARKER";
  CHECK_FALSE(run(env).ok());

  // Shared files: good, partial, malformed around a secret.
  ChainSettings files = base();
  home.Write(".aws/credentials",
             "[default]\naws_access_key_id = AKID-MARKER\naws_secret_access_key = SECRET-KEY-MARKER\n");
  CHECK(run(files).ok());
  home.Write(".aws/credentials", "[default]\naws_secret_access_key = SECRET-KEY-MARKER\n");
  CHECK_FALSE(run(files).ok());
  home.Write(".aws/credentials", "SECRET-KEY-MARKER\n[default]\n");
  CHECK_FALSE(run(files).ok());
  home.Write(".aws/credentials", "[default]\nSECRET-KEY-MARKER\n");
  CHECK_FALSE(run(files).ok());
  std::remove((home.path() + "/.aws/credentials").c_str());

  // Web identity: good, an error answer echoing the token, a non-XML answer, an unreachable STS.
  ChainSettings web = base();
  web.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.Write("token", "WEB-IDENTITY-MARKER");
  web.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  web.sts_endpoint = fake.Url();
  fake.Set(200, StsCredentialsXml("AKID-MARKER", "SECRET-KEY-MARKER", "SESSION-TOKEN-MARKER", "2030-01-01T00:00:00Z"));
  CHECK(run(web).ok());
  fake.Set(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad</Message></Error><Detail>" +
                    kEcho + "</Detail></ErrorResponse>");
  CHECK_FALSE(run(web).ok());
  fake.Set(200, kEcho);
  CHECK_FALSE(run(web).ok());
  fake.Set(200, "<AssumeRoleWithWebIdentityResponse>" + kEcho + "</AssumeRoleWithWebIdentityResponse>");
  CHECK_FALSE(run(web).ok());
  web.sts_endpoint = "http://127.0.0.1:" + std::to_string(runbookd::testing::RefusedPort());
  CHECK_FALSE(run(web).ok());

  // Container: good, an error status echoing the token, bad JSON, a token with a line break.
  ChainSettings container = base();
  container.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = fake.Url() + "/creds";
  container.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "CONTAINER-AUTH-MARKER";
  fake.Set(200, Good());
  CHECK(run(container).ok());
  fake.Set(403, kEcho);
  CHECK_FALSE(run(container).ok());
  fake.Set(200, "{" + kEcho);
  CHECK_FALSE(run(container).ok());
  fake.Set(200, R"({"AccessKeyId":"AKID-MARKER","SecretAccessKey":"SECRET-KEY-MARKER"})");
  CHECK_FALSE(run(container).ok());
  container.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "CONTAINER-AUTH-MARKER\nX-Injected: 1";
  CHECK_FALSE(run(container).ok());
  container.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://10.1.2.3/CONTAINER-AUTH-MARKER";
  CHECK_FALSE(run(container).ok());

  // IMDS: good, error answers echoing secrets, a Code error, expired-looking JSON.
  ChainSettings imds = base();
  fake.Set(200, Good());
  CHECK(run(imds).ok());
  fake.Set(500, kEcho);
  CHECK_FALSE(run(imds).ok());
  fake.Set(200, "[" + kEcho + "]");
  CHECK_FALSE(run(imds).ok());
  fake.Set(200, R"({"Code":"Failure","Message":")" + kEcho + R"("})");
  CHECK_FALSE(run(imds).ok());
  fake.Set(200, R"({"AccessKeyId":"AKID-MARKER","SecretAccessKey":"SECRET-KEY-MARKER","Token":"T",)"
                R"("Expiration":"SESSION-TOKEN-MARKER"})");
  CHECK_FALSE(run(imds).ok());

  const std::string logs = log.text();
  CHECK_FALSE(logs.empty());
  for (const auto& marker : kMarkers) {
    INFO("marker " << marker);
    CHECK(logs.find(marker) == std::string::npos);
    for (const auto& m : messages) {
      INFO("message: " << m);
      CHECK(m.find(marker) == std::string::npos);
    }
  }
}

TEST_CASE("aws signing outputs: the signature's inputs never print, only the Secret wrappers do") {
  AwsCredentials c;
  c.access_key_id = config::Secret("AKID-MARKER");
  c.secret_access_key = config::Secret("SECRET-KEY-MARKER");
  c.session_token = config::Secret("SESSION-TOKEN-MARKER");
  sigv4::Request r;
  r.host = "sts.us-east-1.amazonaws.com";
  sigv4::Params p;
  p.region = "us-east-1";
  p.service = "sts";
  p.time = WallTime(std::chrono::seconds(1'700'000'000));
  const sigv4::HeaderSignature header = sigv4::SignHeaders(r, p, c);
  const sigv4::QuerySignature query = sigv4::Presign(r, p, std::chrono::seconds(60), c);
  const config::Secret key = sigv4::SigningKey(c.secret_access_key, p.time, p.region, p.service);
  EksTokenRequest eks;
  eks.cluster = "c1";
  eks.region = "us-east-1";
  eks.now = p.time;
  const EksToken token = MakeEksToken(eks, c);
  std::ostringstream printed;
  printed << header.steps.canonical_request << query.query << query.steps.canonical_request << key << token.token
          << header.steps.string_to_sign << query.steps.string_to_sign;
  for (const auto& marker : kMarkers) CHECK(printed.str().find(marker) == std::string::npos);
  // The secret key appears nowhere in what is sent, not even in the presigned query.
  CHECK(header.authorization.find("SECRET-KEY-MARKER") == std::string::npos);
  CHECK(query.query.Reveal().find("SECRET-KEY-MARKER") == std::string::npos);
}
