// The credential chain against fake STS, container and IMDS endpoints: which source wins, what each
// sends, IMDSv1 fallback, deadlines, shared fetches, and refresh before expiry on a ManualClock.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "daemon/clients/aws/aws_time.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::aws;
using namespace runbookd::aws_test;
using runbookd::testing::ManualClock;
using runbookd::testing::TempDir;

namespace {

constexpr const char* kRolePath = "/latest/meta-data/iam/security-credentials/";

// How an error from instance metadata, the last resort, begins when the chain had to walk to it.
const std::string kNothingElse =
    "no AWS credentials: none in the environment, the shared files (profile \"default\"), web identity or "
    "container settings; ";

// A fake IMDS. What it answers can change while the test runs.
struct FakeImds {
  std::mutex mu;
  int token_status = 200;  // the PUT /latest/api/token answer
  std::string role = "runbookd-role";
  int credentials_status = 200;
  std::string credentials_body;
  std::chrono::milliseconds credentials_delay{0};
  Recorder seen;
  TestHttpServer server{[this](const TestRequest& req) {
    seen.Add(req);
    std::lock_guard lock(mu);
    if (req.method == "PUT" && req.target == "/latest/api/token") {
      return Answer(token_status == 200 ? "IMDS-SESSION-TOKEN" : "", token_status);
    }
    if (req.method == "GET" && req.target == kRolePath) return Answer(role);
    if (req.method == "GET" && req.target == kRolePath + role) {
      TestResponse r = Answer(credentials_body, credentials_status, "application/json");
      r.delay = credentials_delay;
      return r;
    }
    return Answer("not found", 404);
  }};

  void Set(std::function<void(FakeImds&)> change) {
    std::lock_guard lock(mu);
    change(*this);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

// A fake STS answering AssumeRoleWithWebIdentity.
struct FakeSts {
  std::mutex mu;
  int status = 200;
  std::string body = StsCredentialsXml("ASIA-WEB", "WEB-SECRET", "WEB-TOKEN", "2030-01-01T00:00:00Z");
  Recorder seen;
  TestHttpServer server{[this](const TestRequest& req) {
    seen.Add(req);
    std::lock_guard lock(mu);
    return Answer(body, status, "text/xml");
  }};
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

// A fake container credentials endpoint.
struct FakeContainer {
  std::mutex mu;
  int status = 200;
  std::string body = CredentialsJson("ASIA-CONTAINER", "CONTAINER-SECRET", "CONTAINER-TOKEN", "2030-01-01T00:00:00Z");
  Recorder seen;
  TestHttpServer server{[this](const TestRequest& req) {
    seen.Add(req);
    std::lock_guard lock(mu);
    return Answer(body, status, "application/json");
  }};
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

// Settings whose every network source points at the given fakes, with no ambient environment.
ChainSettings Isolated(const TempDir& home, const std::string& imds_url) {
  ChainSettings s;
  s.name = "test";
  s.env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url}};
  s.container_base = "http://127.0.0.1:1";  // nothing there: a test that uses it sets its own
  return s;
}

}  // namespace

TEST_CASE("chain: environment, then profile, then web identity, then container, then IMDS") {
  TempDir home;
  FakeImds imds;
  FakeSts sts;
  FakeContainer container;
  imds.credentials_body = CredentialsJson("ASIA-IMDS", "IMDS-SECRET", "IMDS-TOKEN", "2030-01-01T00:00:00Z");
  home.Write("token", "WEB-IDENTITY-TOKEN\n");
  ManualClock clock;

  ChainSettings s = Isolated(home, imds.Url());
  auto first = [&](const ChainSettings& settings) {
    CredentialChain chain(settings, clock, nullptr);
    CredentialsResult r = GetOne(chain);
    INFO(r.error);
    REQUIRE(r.ok());
    return std::make_pair(r.credentials.access_key_id.Reveal(), chain.source());
  };

  s.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.Url() + "/creds";
  s.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.path() + "/token";
  s.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  s.sts_endpoint = sts.Url();
  home.Write(".aws/credentials", "[default]\naws_access_key_id = AKID-PROFILE\naws_secret_access_key = S\n");
  s.env["AWS_ACCESS_KEY_ID"] = "AKID-ENV";
  s.env["AWS_SECRET_ACCESS_KEY"] = "S";

  CHECK(first(s) == std::make_pair(std::string("AKID-ENV"), CredentialSource::kEnvironment));
  s.env.erase("AWS_ACCESS_KEY_ID");
  s.env.erase("AWS_SECRET_ACCESS_KEY");
  CHECK(first(s) == std::make_pair(std::string("AKID-PROFILE"), CredentialSource::kProfile));
  std::remove((home.path() + "/.aws/credentials").c_str());
  CHECK(sts.seen.size() == 0);
  CHECK(first(s) == std::make_pair(std::string("ASIA-WEB"), CredentialSource::kWebIdentity));
  s.env.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  CHECK(container.seen.size() == 0);
  CHECK(first(s) == std::make_pair(std::string("ASIA-CONTAINER"), CredentialSource::kContainer));
  s.env.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  CHECK(imds.seen.size() == 0);
  CHECK(first(s) == std::make_pair(std::string("ASIA-IMDS"), CredentialSource::kInstanceMetadata));
  CHECK(sts.seen.size() == 1);
  CHECK(container.seen.size() == 1);
}

TEST_CASE("chain: a configured source that fails ends the search instead of acting as another identity") {
  TempDir home;
  FakeImds imds;
  imds.credentials_body = CredentialsJson("ASIA-IMDS", "IMDS-SECRET", "IMDS-TOKEN", "2030-01-01T00:00:00Z");
  ManualClock clock;
  ChainSettings s = Isolated(home, imds.Url());
  s.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.path() + "/missing-token";
  s.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  CredentialChain chain(s, clock, nullptr);
  const CredentialsResult r = GetOne(chain);
  CHECK(r.status == CredentialsStatus::kFailed);
  CHECK(r.error.find("cannot read the web identity token file \"" + home.path() + "/missing-token\"") == 0);
  CHECK(imds.seen.size() == 0);
  CHECK(chain.source() == CredentialSource::kNone);
}

TEST_CASE("chain: nothing configured and IMDS disabled names every place it looked") {
  TempDir home;
  ManualClock clock;
  ChainSettings s;
  s.env = {{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}, {"AWS_PROFILE", ""}};
  CredentialChain chain(s, clock, nullptr);
  const CredentialsResult r = GetOne(chain);
  CHECK(r.status == CredentialsStatus::kFailed);
  CHECK(r.error ==
        "no AWS credentials: none in the environment, the shared files (profile \"default\"), web identity or "
        "container settings, and instance metadata is disabled");
}

TEST_CASE("web identity: an unsigned AssumeRoleWithWebIdentity with the token file's current content") {
  TempDir home;
  FakeSts sts;
  ManualClock clock;
  ChainSettings s = Isolated(home, "http://127.0.0.1:1");
  s.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.Write("token", "FIRST-TOKEN\n");
  s.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/runbookd";
  s.env["AWS_ROLE_SESSION_NAME"] = "ops-session";
  s.sts_endpoint = sts.Url();
  CredentialChain chain(s, clock, nullptr);

  const CredentialsResult r = GetOne(chain);
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.credentials.secret_access_key.Reveal() == "WEB-SECRET");
  CHECK(r.credentials.session_token.Reveal() == "WEB-TOKEN");
  CHECK(r.credentials.expiration == ParseIso8601("2030-01-01T00:00:00Z"));
  CHECK(r.credentials.source == "web identity");

  const TestRequest sent = sts.seen.All().at(0);
  CHECK(sent.method == "POST");
  CHECK(sent.target == "/");
  CHECK(Header(sent, "content-type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(Header(sent, "authorization").empty());
  CHECK(Header(sent, "x-amz-date").empty());
  CHECK(Header(sent, "host") == "127.0.0.1:" + std::to_string(sts.server.port()));
  CHECK(sent.body ==
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%"
        "2Frunbookd&RoleSessionName=ops-session&WebIdentityToken=FIRST-TOKEN");

  // The kubelet rotates the file; the next fetch sends what it holds then.
  home.Write("token", "SECOND-TOKEN");
  chain.Invalidate();
  REQUIRE(GetOne(chain).ok());
  CHECK(sts.seen.All().at(1).body.find("WebIdentityToken=SECOND-TOKEN") != std::string::npos);
}

TEST_CASE("web identity: the default session name comes from the clock, STS errors carry code and message") {
  TempDir home;
  FakeSts sts;
  ManualClock clock;
  ChainSettings s = Isolated(home, "http://127.0.0.1:1");
  s.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = home.Write("token", "T");
  s.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  s.sts_endpoint = sts.Url();
  {
    std::lock_guard lock(sts.mu);
    sts.status = 400;
    sts.body = R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>)"
               R"(<Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found</Message></Error>)"
               R"(<RequestId>r</RequestId></ErrorResponse>)";
  }
  CredentialChain chain(s, clock, nullptr);
  const CredentialsResult r = GetOne(chain);
  CHECK(r.status == CredentialsStatus::kFailed);
  CHECK(r.error ==
        "STS AssumeRoleWithWebIdentity answered HTTP 400 InvalidIdentityToken: No OpenIDConnect provider found");
  CHECK(sts.seen.All().at(0).body.find("RoleSessionName=runbookd-1800000000&") != std::string::npos);
}

TEST_CASE("container: relative URI on the container host, full URI with a token, the token file winning") {
  TempDir home;
  FakeContainer container;
  ManualClock clock;

  ChainSettings relative = Isolated(home, "http://127.0.0.1:1");
  relative.container_base = container.Url();
  relative.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc-123";
  {
    CredentialChain chain(relative, clock, nullptr);
    const CredentialsResult r = GetOne(chain);
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.credentials.access_key_id.Reveal() == "ASIA-CONTAINER");
    CHECK(r.credentials.source == "container");
    const TestRequest sent = container.seen.All().at(0);
    CHECK(sent.method == "GET");
    CHECK(sent.target == "/v2/credentials/abc-123");
    CHECK(Header(sent, "accept") == "application/json");
    CHECK(Header(sent, "authorization").empty());
  }

  ChainSettings full = Isolated(home, "http://127.0.0.1:1");
  full.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.Url() + "/v1/credentials";
  full.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ENV-AUTH-TOKEN";
  {
    CredentialChain chain(full, clock, nullptr);
    REQUIRE(GetOne(chain).ok());
    CHECK(container.seen.All().at(1).target == "/v1/credentials");
    CHECK(Header(container.seen.All().at(1), "authorization") == "ENV-AUTH-TOKEN");
  }
  full.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = home.Write("pod-identity-token", "FILE-AUTH-TOKEN");
  {
    CredentialChain chain(full, clock, nullptr);
    REQUIRE(GetOne(chain).ok());
    CHECK(Header(container.seen.All().at(2), "authorization") == "FILE-AUTH-TOKEN");
  }
  {
    std::lock_guard lock(container.mu);
    container.status = 500;
  }
  {
    CredentialChain chain(full, clock, nullptr);
    const CredentialsResult r = GetOne(chain);
    CHECK(r.status == CredentialsStatus::kFailed);
    CHECK(r.error == "container credentials at 127.0.0.1:" + std::to_string(container.server.port()) + ": HTTP 500");
  }
}

TEST_CASE("imds: IMDSv2 token, role, credentials, each GET carrying the token") {
  TempDir home;
  FakeImds imds;
  imds.credentials_body = CredentialsJson("ASIA-IMDS", "IMDS-SECRET", "IMDS-TOKEN", "2030-01-01T00:00:00Z");
  ManualClock clock;
  CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
  const CredentialsResult r = GetOne(chain);
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.credentials.access_key_id.Reveal() == "ASIA-IMDS");
  CHECK(r.credentials.secret_access_key.Reveal() == "IMDS-SECRET");
  CHECK(r.credentials.session_token.Reveal() == "IMDS-TOKEN");
  CHECK(r.credentials.source == "instance metadata role runbookd-role");
  CHECK(imds.seen.Lines() == std::vector<std::string>{"PUT /latest/api/token",
                                                      "GET /latest/meta-data/iam/security-credentials/",
                                                      "GET /latest/meta-data/iam/security-credentials/runbookd-role"});
  const auto all = imds.seen.All();
  CHECK(Header(all[0], "x-aws-ec2-metadata-token-ttl-seconds") == "21600");
  CHECK(Header(all[1], "x-aws-ec2-metadata-token") == "IMDS-SESSION-TOKEN");
  CHECK(Header(all[2], "x-aws-ec2-metadata-token") == "IMDS-SESSION-TOKEN");
}

TEST_CASE("imds: 403, 404 and 405 on the token fall back to IMDSv1, 400 is an error, v1 can be disabled") {
  TempDir home;
  ManualClock clock;
  for (const int status : {403, 404, 405}) {
    INFO("token status " << status);
    FakeImds imds;
    imds.token_status = status;
    imds.credentials_body = CredentialsJson("ASIA-V1", "S", "T", "2030-01-01T00:00:00Z");
    CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
    const CredentialsResult r = GetOne(chain);
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.credentials.access_key_id.Reveal() == "ASIA-V1");
    const auto all = imds.seen.All();
    REQUIRE(all.size() == 3);
    CHECK(Header(all[1], "x-aws-ec2-metadata-token").empty());
    CHECK(Header(all[2], "x-aws-ec2-metadata-token").empty());

    ChainSettings v2_only = Isolated(home, imds.Url());
    v2_only.env["AWS_EC2_METADATA_V1_DISABLED"] = "true";
    CredentialChain strict(v2_only, clock, nullptr);
    const CredentialsResult refused = GetOne(strict);
    CHECK(refused.status == CredentialsStatus::kFailed);
    CHECK(refused.error == kNothingElse + "instance metadata: no IMDSv2 token (HTTP " + std::to_string(status) +
                               ") and IMDSv1 is disabled");
    CHECK(imds.seen.size() == 4);  // only the token PUT
  }
  FakeImds bad;
  bad.token_status = 400;
  CredentialChain chain(Isolated(home, bad.Url()), clock, nullptr);
  const CredentialsResult r = GetOne(chain);
  CHECK(r.status == CredentialsStatus::kFailed);
  CHECK(r.error == kNothingElse + "instance metadata token: HTTP 400 (bad request)");
  CHECK(bad.seen.size() == 1);
}

TEST_CASE("imds: an answer Code other than Success, and an unreachable endpoint") {
  TempDir home;
  ManualClock clock;
  FakeImds imds;
  imds.credentials_body = R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"})";
  CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
  CHECK(GetOne(chain).error ==
        kNothingElse + "instance metadata role runbookd-role: the answer has Code \"AssumeRoleUnauthorizedAccess\"");

  const std::string refused = "http://127.0.0.1:" + std::to_string(runbookd::testing::RefusedPort());
  CredentialChain nowhere(Isolated(home, refused), clock, nullptr);
  const CredentialsResult r = GetOne(nowhere);
  CHECK(r.status == CredentialsStatus::kFailed);
  CHECK(r.error.find(kNothingElse + "instance metadata role: ") == 0);
}

TEST_CASE("imds: every step ends by its own timeout and by the caller's deadline") {
  TempDir home;
  ManualClock clock;
  FakeImds imds;
  imds.credentials_body = CredentialsJson("A", "S", "T", "2030-01-01T00:00:00Z");
  imds.credentials_delay = 3s;
  ChainSettings s = Isolated(home, imds.Url());
  s.imds_timeout = 200ms;
  CredentialChain chain(s, clock, nullptr);
  const auto start = std::chrono::steady_clock::now();
  const CredentialsResult by_step = GetOne(chain, 10s);
  CHECK(by_step.status == CredentialsStatus::kTimeout);
  CHECK(by_step.error.find(kNothingElse + "instance metadata credentials: ") == 0);

  s.imds_timeout = 10s;
  CredentialChain slow(s, clock, nullptr);
  const CredentialsResult by_deadline = GetOne(slow, 300ms);
  CHECK(by_deadline.status == CredentialsStatus::kTimeout);
  CHECK(std::chrono::steady_clock::now() - start < 2500ms);
}

TEST_CASE("chain: concurrent callers share one fetch, and later ones get the cached credentials") {
  TempDir home;
  ManualClock clock;
  FakeImds imds;
  imds.credentials_body = CredentialsJson("ASIA-SHARED", "S", "T", "2030-01-01T00:00:00Z");
  imds.credentials_delay = 100ms;  // keeps the fetch open while the other callers arrive
  CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
  const std::vector<CredentialsResult> results = GetAll(chain, 5);
  for (const auto& r : results) {
    INFO(r.error);
    CHECK(r.ok());
    CHECK(r.credentials.access_key_id.Reveal() == "ASIA-SHARED");
  }
  CHECK(chain.fetches() == 1);
  CHECK(imds.seen.size() == 3);
  CHECK(GetOne(chain).ok());
  CHECK(imds.seen.size() == 3);
}

TEST_CASE("chain: temporary credentials are refreshed 5 minutes early, kept while a refresh fails, then dropped") {
  TempDir home;
  ManualClock clock;
  FakeImds imds;
  int issued = 0;
  auto issue = [&](int status) {
    ++issued;
    const std::string expiration = FormatIso8601(clock.WallNow() + std::chrono::hours(1));
    imds.Set([&](FakeImds& f) {
      f.credentials_status = status;
      f.credentials_body = CredentialsJson("ASIA-" + std::to_string(issued), "S", "T", expiration);
    });
  };
  auto key_id = [](const CredentialsResult& r) { return r.ok() ? r.credentials.access_key_id.Reveal() : r.error; };
  auto credential_gets = [&] {
    int n = 0;
    for (const auto& line : imds.seen.Lines())
      n += line.find("security-credentials/runbookd-role") != std::string::npos;
    return n;
  };

  issue(200);
  CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
  CHECK(key_id(GetOne(chain)) == "ASIA-1");
  CHECK(credential_gets() == 1);

  clock.Advance(std::chrono::minutes(54));  // 6 minutes left: still fresh
  CHECK(key_id(GetOne(chain)) == "ASIA-1");
  CHECK(credential_gets() == 1);

  issue(200);
  clock.Advance(std::chrono::minutes(2));  // 4 minutes left: refreshed
  CHECK(key_id(GetOne(chain)) == "ASIA-2");
  CHECK(credential_gets() == 2);

  issue(500);                                // from now on IMDS fails
  clock.Advance(std::chrono::minutes(56));   // 4 minutes left of ASIA-2
  CHECK(key_id(GetOne(chain)) == "ASIA-2");  // the refresh failed; the current ones still serve
  CHECK(credential_gets() == 3);
  CHECK(key_id(GetOne(chain)) == "ASIA-2");  // no new attempt within the retry interval
  CHECK(credential_gets() == 3);
  clock.Advance(std::chrono::seconds(31));
  CHECK(key_id(GetOne(chain)) == "ASIA-2");
  CHECK(credential_gets() == 4);

  clock.Advance(std::chrono::minutes(4));  // ASIA-2 has expired
  const CredentialsResult expired = GetOne(chain);
  CHECK(expired.status == CredentialsStatus::kFailed);
  CHECK(expired.error == "instance metadata credentials: HTTP 500");
  CHECK(credential_gets() == 5);

  issue(200);
  CHECK(key_id(GetOne(chain)) == "ASIA-4");
  CHECK(chain.source() == CredentialSource::kInstanceMetadata);
}

TEST_CASE("chain: Invalidate makes the next Get fetch again from the same source, long-term keys stay cached") {
  TempDir home;
  ManualClock clock;
  FakeImds imds;
  imds.credentials_body = CredentialsJson("ASIA", "S", "T", "2030-01-01T00:00:00Z");
  CredentialChain chain(Isolated(home, imds.Url()), clock, nullptr);
  REQUIRE(GetOne(chain).ok());
  REQUIRE(GetOne(chain).ok());
  CHECK(chain.fetches() == 1);
  chain.Invalidate();
  REQUIRE(GetOne(chain).ok());
  CHECK(chain.fetches() == 2);
  CHECK(imds.seen.size() == 6);

  ChainSettings env = Isolated(home, imds.Url());
  env.env["AWS_ACCESS_KEY_ID"] = "AKID";
  env.env["AWS_SECRET_ACCESS_KEY"] = "S";
  CredentialChain static_keys(env, clock, nullptr);
  REQUIRE(GetOne(static_keys).ok());
  clock.Advance(std::chrono::hours(24 * 365));
  REQUIRE(GetOne(static_keys).ok());
  CHECK(static_keys.fetches() == 1);
}
