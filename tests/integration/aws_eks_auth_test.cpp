// A Kubernetes connection whose kubeconfig runs `aws eks get-token` (as `aws eks update-kubeconfig`
// writes it), served by runbookd itself: the fake API server sees the token aws::MakeEksToken makes
// for the same time, credentials, cluster and region (the awscli test holds MakeEksToken to awscli
// byte for byte); the token is re-made when it is about to expire and after a 401; no aws binary
// ever runs; no key or token reaches a log line or an error.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/aws/eks_token.hpp"
#include "daemon/clients/k8s/kubeconfig.hpp"
#include "tests/integration/k8s_client_harness.hpp"
#include "tests/support/fake_kube.hpp"
#include "tests/support/manual_clock.hpp"

using namespace runbookd;
using namespace runbookd::k8s_test;
using runbookd::testing::FakeKube;
using runbookd::testing::FakeKubeOptions;
using runbookd::testing::KubeAuth;
using runbookd::testing::ManualClock;
using runbookd::testing::TempDir;

namespace {

constexpr const char* kKeyId = "AKIDEKSAUTHEXAMPLE";
constexpr const char* kSecretKey = "eks/auth/SECRET/key/EXAMPLEKEY";
constexpr const char* kSessionToken = "eks-auth-session-token-EXAMPLE-0123456789";
const std::string kPods = "/api/v1/namespaces/default/pods";

// The exec section `aws eks update-kubeconfig --name prod --region eu-west-1 --profile ops` writes.
std::string EksKubeconfig(const std::string& server) {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  cluster: {server: \"" +
         server +
         "\"}\n"
         "users:\n- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  user:\n    exec:\n"
         "      apiVersion: client.authentication.k8s.io/v1beta1\n"
         "      command: aws\n"
         "      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, --output, json]\n"
         "      env: [{name: AWS_PROFILE, value: ops}]\n"
         "contexts:\n- name: prod\n  context: {cluster: \"arn:aws:eks:eu-west-1:111122223333:cluster/prod\", "
         "user: \"arn:aws:eks:eu-west-1:111122223333:cluster/prod\"}\n"
         "current-context: prod\n";
}

// PATH holds only a folder whose `aws` leaves a mark when run, for as long as the test runs.
class PathWithTrapAws {
 public:
  explicit PathWithTrapAws(const TempDir& dir) : marker_(dir.path() + "/aws-was-run") {
    WriteExecutable(dir, "bin/aws", "#!/bin/sh\necho ran >> " + marker_ + "\nexit 1\n");
    if (const char* old = std::getenv("PATH")) saved_ = old;
    setenv("PATH", (dir.path() + "/bin").c_str(), 1);
  }
  ~PathWithTrapAws() {
    if (saved_) {
      setenv("PATH", saved_->c_str(), 1);
    } else {
      unsetenv("PATH");
    }
  }
  PathWithTrapAws(const PathWithTrapAws&) = delete;
  PathWithTrapAws& operator=(const PathWithTrapAws&) = delete;
  bool aws_was_run() const { return std::filesystem::exists(marker_); }

 private:
  std::string marker_;
  std::optional<std::string> saved_;
};

struct EksFixture {
  TempDir dir;
  PathWithTrapAws path{dir};
  ManualClock clock;
  LogCapture log;
  // What runbookd's environment holds: keys with a session token, no shared files, no IMDS.
  aws::Environment env = {{"HOME", dir.path()},
                          {"AWS_ACCESS_KEY_ID", kKeyId},
                          {"AWS_SECRET_ACCESS_KEY", kSecretKey},
                          {"AWS_SESSION_TOKEN", kSessionToken},
                          {"AWS_EC2_METADATA_DISABLED", "true"}};

  std::shared_ptr<k8s::Client> Client(const std::string& server) {
    const std::string kubeconfig = dir.Write("kubeconfig", EksKubeconfig(server));
    k8s::KubeconfigResult loaded = k8s::LoadKubeconfig(kubeconfig, "", &env);
    INFO(loaded.error);
    REQUIRE(loaded.settings);
    REQUIRE(loaded.settings->eks_token);
    loaded.settings->name = "prod";
    loaded.settings->qps = 1000;
    loaded.settings->burst = 1000;
    return k8s::Client::Create(*loaded.settings, clock, log.logger);
  }

  // The token awscli prints (see the awscli test) for these credentials at `now`.
  std::string Expected(WallTime now) const {
    const aws::CredentialsResult credentials = aws::ReadEnvironmentCredentials(env);
    REQUIRE(credentials.ok());
    aws::EksTokenRequest request;
    request.cluster = "prod";
    request.region = "eu-west-1";
    request.now = now;
    return aws::MakeEksToken(request, credentials.credentials).token.Reveal();
  }
};

FakeKubeOptions PlainFake(KubeAuth auth = KubeAuth::kNone, std::string token = {}) {
  FakeKubeOptions options;
  options.auth = auth;
  options.token = std::move(token);
  options.tls = false;
  options.deployment_controller = false;
  return options;
}

Call Pods() { return Call{"GET", kPods}; }

}  // namespace

TEST_CASE("eks auth: the API server accepts the token runbookd makes, and no aws binary runs") {
  EksFixture fx;
  const std::string token = fx.Expected(fx.clock.WallNow());
  REQUIRE(token.rfind("k8s-aws-v1.", 0) == 0);
  FakeKube fake(PlainFake(KubeAuth::kBearerToken, token));
  auto client = fx.Client(fake.Url());

  const k8s::Reply reply = RunOne(*client, Pods());
  INFO(reply.error.message);
  CHECK(reply.ok());
  const auto requests = fake.ApiRequests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].authorization == "Bearer " + token);
  CHECK(requests[0].status == 200);
  CHECK_FALSE(fx.path.aws_was_run());
  CHECK(fx.log.text().find("connection prod: EKS token for cluster prod made natively (no aws CLI)") !=
        std::string::npos);
}

TEST_CASE("eks auth: one token serves until a minute before it expires, then a new one is made") {
  EksFixture fx;
  FakeKube fake(PlainFake());
  auto client = fx.Client(fake.Url());
  const WallTime t0 = fx.clock.WallNow();

  for (const auto& r : RunAll(*client, {Pods(), Pods(), Pods()})) CHECK(r.ok());
  fx.clock.Advance(12min + 59s);  // the token lasts 14 minutes; it is renewed after 13
  CHECK(RunOne(*client, Pods()).ok());
  fx.clock.Advance(2s);
  const WallTime t1 = fx.clock.WallNow();
  CHECK(RunOne(*client, Pods()).ok());
  CHECK(RunOne(*client, Pods()).ok());

  const auto requests = fake.ApiRequests();
  REQUIRE(requests.size() == 6);
  for (size_t i = 0; i < 4; ++i) CHECK(requests[i].authorization == "Bearer " + fx.Expected(t0));
  CHECK(requests[4].authorization == "Bearer " + fx.Expected(t1));
  CHECK(requests[5].authorization == "Bearer " + fx.Expected(t1));
  CHECK(fx.Expected(t0) != fx.Expected(t1));
  CHECK_FALSE(fx.path.aws_was_run());
}

TEST_CASE("eks auth: a 401 makes a new token and retries once") {
  EksFixture fx;
  FakeKube fake(PlainFake());
  auto client = fx.Client(fake.Url());
  const WallTime t0 = fx.clock.WallNow();
  REQUIRE(RunOne(*client, Pods()).ok());
  fx.clock.Advance(5s);  // still cached; a new token made now differs from the first
  const WallTime t1 = fx.clock.WallNow();
  fake.FailNext("GET", kPods, 1, 401);

  const k8s::Reply retried = RunOne(*client, Pods());
  INFO(retried.error.message);
  CHECK(retried.ok());
  const auto requests = fake.ApiRequests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].authorization == "Bearer " + fx.Expected(t0));
  CHECK(requests[1].status == 401);
  CHECK(requests[2].authorization == "Bearer " + fx.Expected(t1));
  CHECK(requests[2].status == 200);
  CHECK_FALSE(fx.path.aws_was_run());
}

TEST_CASE("eks auth: no key or token appears in logs or errors") {
  EksFixture fx;
  FakeKube fake(PlainFake());
  auto client = fx.Client(fake.Url());
  fake.FailNext("GET", kPods, 2, 401);
  const k8s::Reply rejected = RunOne(*client, Pods());
  CHECK(rejected.error.kind == k8s::ErrorKind::kUnauthorized);
  const std::string sent = fx.Expected(fx.clock.WallNow());

  // Credentials that cannot be used: the error names the cluster and the reason, nothing secret.
  fx.env.erase("AWS_SECRET_ACCESS_KEY");
  auto broken = fx.Client(fake.Url());
  const k8s::Reply failed = RunOne(*broken, Pods());
  CHECK(failed.error.kind == k8s::ErrorKind::kCredentials);
  CHECK(failed.error.message.find("EKS token for cluster \"prod\": no AWS credentials") != std::string::npos);
  CHECK_FALSE(fx.path.aws_was_run());

  const std::string everything = fx.log.text() + "\n" + rejected.error.message + "\n" + failed.error.message;
  INFO(everything);
  for (const std::string& secret :
       {std::string(kSecretKey), std::string(kSessionToken), std::string(kKeyId), sent, std::string("k8s-aws-v1.")}) {
    CHECK(everything.find(secret) == std::string::npos);
  }
}
