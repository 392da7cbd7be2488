// Issue 6, acceptance 3: no secret (API tokens, the cluster's bearer token, AWS secret key and session
// token, database and HTTP passwords, Slack webhook URL and signing secret, PagerDuty routing key,
// webhook URL and HMAC secret) appears in runbookd's log, API answers, errors, metrics, runbookctl's
// output or its store, with every notifier and gate configured at once and driven through their
// error paths: notifier fakes answering 500/400/429 with the request echoed back, a cluster and an
// AWS endpoint whose errors echo credentials, an approval hook that prints all it is given, approvals
// decided by runbookctl and by Slack (bad and good signatures), wrong tokens and broken reloads.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "tests/integration/daemon_secrets_config.hpp"
#include "tests/integration/daemon_secrets_driver.hpp"
#include "tests/integration/gated_scenarios_support.hpp"
#include "tests/support/fake_aws.hpp"
#include "tests/support/postgres_server.hpp"

using namespace runbookd::testing;
using namespace runbookd::testing::daemon_secrets;
namespace scenarios = runbookd::testing::scenarios;
namespace fx = runbookd::testing::kube_fixtures;
namespace json = boost::json;

namespace {

const char* kTargetGroup = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef";

}  // namespace

TEST_CASE("daemon secrets: no secret in logs, API answers, errors, metrics, runbookctl output or the store") {
  PostgresServer postgres;
  FakeKubeOptions kube_options;
  kube_options.auth = KubeAuth::kBearerToken;
  kube_options.token = kKubeToken;
  FakeKube kube(kube_options);
  scenarios::LoadRecentRollout(kube);
  kube.Put(fx::MakePod({.name = "ecommerce-backend-7d9f-crash", .state = fx::PodState::kCrashLoopBackOff}));
  // A proxy in front of the API server that echoes the request's credential in its errors.
  kube.FailNext("GET", "/api/v1/namespaces/production/pods", 2, 500,
                "upstream said: Authorization: Bearer " + kKubeToken);
  kube.FailNext("GET", "/apis/discovery.k8s.io/v1/namespaces/production/endpointslices", 1000000, 500,
                "upstream said: Authorization: Bearer " + kKubeToken);
  auto aws = FakeAws::Start();
  aws->SetState(json::parse(std::string(R"({"credentials": {")") + kAwsAccessKey + R"(": {"secret": ")" +
                            kAwsSecretKey + R"(", "session_token": ")" + kAwsSessionToken + R"("}},
      "target_groups": {")" +
                            kTargetGroup + R"(": {"targets": [{"id": "i-1", "port": 80, "state": "healthy"}]}},
      "db_clusters": {"orders-db": {"status": "available", "engine": "aurora-postgresql",
        "members": [{"id": "orders-db-1", "writer": true}, {"id": "orders-db-2", "writer": false}]}},
      "faults": [{"action": "DescribeTargetHealth", "status": 500, "code": "InternalFailure", "count": 2,
        "message": "echo: X-Amz-Security-Token=)" +
                            kAwsSessionToken + " secret=" + kAwsSecretKey + R"("}]})")
                    .as_object());
  EchoFake slack({500, 200, 400, 429, 200}, false);
  EchoFake pagerduty({429, 202, 500, 400, 202}, true);
  EchoFake audit({400, 500, 200, 429}, false);
  EchoFake audit_private({500, 400, 200, 429}, false);
  EchoFake partner({500}, false);
  scenarios::ShopEndpoint shop([&] { return scenarios::DeploymentRevision(kube) != 3; });

  TempDir dir;
  WriteTokens(dir);
  dir.Write("admin.token", kAdminToken + "\n");
  dir.Write("webhook.token", kWebhookToken + "\n");
  dir.Write("wrong.token", kWrongToken + "\n");
  dir.Write("http-bearer.token", kHttpBearer + "\n");
  dir.Write("http-basic.password", kHttpBasicPassword + "\n");
  dir.Write("pg-login.password", std::string(PostgresServer::kProbePassword) + "\n");
  dir.Write("pg-wrong.password", kPgWrongPassword + "\n");
  dir.Write("pg-refused.password", kPgRefusedPassword + "\n");
  dir.Write("redis.password", kRedisPassword + "\n");
  dir.Write("slack-webhook-url", slack.Url(kSlackPath) + "\n");
  dir.Write("slack-signing-secret", kSlackSigningSecret + "\n");
  dir.Write("pagerduty-routing-key", kRoutingKey + "\n");
  dir.Write("webhook-url", audit_private.Url(kHookPath) + "\n");
  dir.Write("webhook-hmac", kHmacSecret + "\n");
  // What the broken reload reads: secret URLs that are not usable, a kubeconfig that is not either.
  dir.Write("broken-slack-url", "ftp://hooks.slack.example" + kSlackPath + "\n");
  dir.Write("broken-webhook-url", "http://127.0.0.1:0" + kHookPath + "\n");
  dir.Write("broken-kubeconfig.yaml",
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: 42 }\n"
            "users:\n- name: u\n  user: { token: " +
                kKubeToken + ", password: " + kKubeToken + " }\ncurrent-context: nowhere\n");
  const std::string hook = dir.Write("approval-hook.sh",
                                     "#!/bin/sh\nsaw=$(cat)\n{ echo \"== $RUNBOOKD_ACTION\"; env; "
                                     "echo \"$saw\"; } >> " +
                                         dir.path() + "/hook-saw.txt\n" +
                                         "echo \"hook saw: $(env | sort | tr '\\n' ' ') $saw\" >&2\n"
                                         "[ \"$RUNBOOKD_ACTION\" = delete-crashlooping ] && exit 1\n"
                                         "exit 0\n");
  // It refuses only the pod deletion: every other action must get past it to reach approval.
  chmod(hook.c_str(), 0755);

  Endpoints endpoints{kube.WriteKubeconfig(dir.path()), aws->ConnectionYaml(), shop.Url(),
                      partner.Url("/status"),           postgres.port(),       RefusedPort(),
                      pagerduty.Url("/v2/enqueue"),     audit.Url("/audit"),   hook};
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", kAwsAccessKey},
                                         {"AWS_SECRET_ACCESS_KEY", kAwsSecretKey},
                                         {"AWS_SESSION_TOKEN", kAwsSessionToken}};
  RunbookdProcess rb(dir, Config(endpoints, false), env);
  if (!rb.WaitReady()) FAIL(rb.Log());
  Transcript t;
  auto ctl = [&](const std::string& who, std::vector<std::string> args) {
    std::string what = who;
    for (const auto& a : args) what += " " + a;
    return Said(t, Ctl(dir, rb, who, args), what);
  };

  // The rule's rollback waits for approval; the warning incident pages too.
  const std::string shop_incident = scenarios::WaitForIncident(dir, rb, "ShopDown", kLimit);
  REQUIRE(!shop_incident.empty());
  REQUIRE(!scenarios::WaitForIncident(dir, rb, "DatabaseLoginFailing", kLimit).empty());
  const int64_t rollback = PendingApproval(dir, rb, "rollback-backend");
  if (rollback == 0) FAIL(scenarios::IncidentText(dir, rb, shop_incident) + rb.Log());

  // The hook refuses the pod deletion (and saw the plan); manual runs and dry runs.
  // The pod list's two echoed failures are the workload probe's to meet, not the deletion's plan.
  REQUIRE(PollUntil(
      [&] {
        size_t failed = 0;
        for (const auto& r : kube.Requests())
          failed += r.status == 500 && r.path == "/api/v1/namespaces/production/pods";
        return failed >= 2;
      },
      kLimit));
  const auto refused = ctl("operator", {"run", "delete-crashlooping"});
  INFO(refused.out << refused.err);
  CHECK(refused.out.find("approval hook approval-hook.sh refused (exit 1)") != std::string::npos);
  ctl("operator", {"run", "rollback-backend", "--dry-run"});
  ctl("operator", {"run", "rds-failover", "--dry-run"});
  ctl("operator", {"run", "restart-backend", "--dry-run"});

  // Slack: a click signed with another secret is refused; the right one approves the rollback.
  const auto forged = SlackClick(t, rb, rollback, true, "not-the-signing-secret");
  CHECK(forged.status == 401);
  const auto clicked = SlackClick(t, rb, rollback, true, kSlackSigningSecret);
  CHECK(clicked.status == 200);
  CHECK(clicked.body.find("approved (slack:U0SRE01)") != std::string::npos);

  // runbookctl: one failover denied, the next approved and run against the fake AWS.
  for (const bool approve : {false, true}) {
    ctl("operator", {"run", "rds-failover"});
    const int64_t failover = PendingApproval(dir, rb, "rds-failover");
    REQUIRE(failover != 0);
    const auto voted = ctl(approve ? "alice" : "bob",
                           {approve ? "approve" : "deny", std::to_string(failover), "--comment", "checked"});
    CHECK(voted.exit_code == 0);
    CHECK(PollUntil([&] { return PendingNow(dir, rb, "rds-failover") == 0; }, kLimit));
  }
  CHECK(PollUntil([&] { return !aws->Requests("FailoverDBCluster").empty(); }, kLimit));

  // The rollback heals the shop; the incident resolves.
  CHECK(PollUntil([&] { return IncidentState(rb, shop_incident) == "resolved"; }, kLimit));

  // Silences, an alert, wrong tokens.
  ctl("operator", {"silence", "add", "action=restart-backend", "--duration", "1h", "--comment", "maintenance"});
  ctl("operator", {"run", "restart-backend"});
  ctl("operator", {"silence", "list", "--all"});
  const auto alert = Http(t, rb, "POST", "/api/v1/alerts", kWebhookToken, AlertPayload());
  INFO(alert.body);
  CHECK(alert.status == 200);
  CHECK(Http(t, rb, "GET", "/api/v1/probes", kWrongToken).status == 401);
  CHECK(Http(t, rb, "POST", "/api/v1/approvals/1/approve", kWrongToken, "{}").status == 401);
  CHECK(Http(t, rb, "POST", "/-/reload", kWebhookToken).status == 403);
  CHECK(ctl("wrong", {"incidents"}).exit_code == 1);

  // Broken reloads, by the API and by SIGHUP: errors about secrets name keys and files, not values.
  const std::string good = ReadFile(rb.config_file());
  const std::string server_and_store = good.substr(0, good.find("log:"));
  dir.Write("runbookd.yaml", server_and_store + Config(endpoints, true));
  const auto reload = Http(t, rb, "POST", "/-/reload", kAdminToken);
  CHECK(reload.status == 500);
  CHECK(reload.body.find("routing_key is a secret") != std::string::npos);
  CHECK(reload.body.find("hmac_secret is a secret") != std::string::npos);
  CHECK(reload.body.find("broken-cluster") != std::string::npos);
  std::string yaml_error = good;
  yaml_error.insert(yaml_error.find("probes:"), "  typo: { token: \"" + kKubeToken + "\n");
  dir.Write("runbookd.yaml", yaml_error);
  rb.process().Signal(SIGHUP);
  const auto failed_reloads = [&] {
    const std::string log = rb.Log();
    size_t n = 0;
    for (auto at = log.find("reload failed"); at != std::string::npos; at = log.find("reload failed", at + 1)) ++n;
    return n;
  };
  CHECK(PollUntil([&] { return failed_reloads() == 2; }, kLimit));
  dir.Write("runbookd.yaml", good);
  CHECK(Http(t, rb, "POST", "/-/reload", kAdminToken).status == 200);

  // Every listing and answer, as a reader, an operator and anyone.
  Http(t, rb, "GET", "/api/v1/probes", "reader-secret");
  const auto incidents = Http(t, rb, "GET", "/api/v1/incidents?all=1", "reader-secret");
  const auto listed = ParseJson(incidents.body);
  for (const auto& i : listed.at("incidents").as_array()) {
    const std::string id = std::to_string(i.at("id").to_number<int64_t>());
    Http(t, rb, "GET", "/api/v1/incidents/" + id, "reader-secret");
    ctl("reader", {"incident", id});
    ctl("reader", {"incident", id, "--report"});
  }
  Http(t, rb, "GET", "/api/v1/approvals", "reader-secret");
  Http(t, rb, "GET", "/api/v1/silences?all=1", "operator-secret");
  const auto metrics = Http(t, rb, "GET", "/metrics", "");
  Http(t, rb, "GET", "/-/ready", "");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status"}, {"probes"}, {"--output", "json", "probes"}, {"incidents", "--all"}, {"approvals"}}) {
    ctl("reader", args);
  }

  // The error paths did run.
  const std::string probes = t.Find("runbookctl reader --output json probes");
  CHECK(probes.find("auth_failed") != std::string::npos);
  CHECK(probes.find("connection_refused") != std::string::npos);
  CHECK(metrics.body.find("result=\"retried\"") != std::string::npos);
  CHECK(metrics.body.find("result=\"failed\"") != std::string::npos);
  size_t kube_errors = 0;
  for (const auto& r : kube.ApiRequests()) kube_errors += r.status == 500;
  CHECK(kube_errors > 2);
  CHECK(probes.find("upstream said: Authorization: <secret>") != std::string::npos);
  CHECK(aws->Requests("DescribeTargetHealth").size() > 2);

  rb.process().Signal(SIGTERM);
  CHECK(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  const std::string log = rb.Log();
  CHECK(log.find("reload failed") != std::string::npos);
  CHECK(log.find("not delivered") != std::string::npos);

  const std::vector<NamedSecret> secrets = AllSecrets(PostgresServer::kProbePassword);
  // The scan itself finds a secret, in either form.
  CHECK(Leaks(secrets, "self-test", "password=" + Forms(PostgresServer::kProbePassword).back()).size() == 1);
  std::vector<std::string> leaks;
  auto scan = [&](const std::string& where, const std::string& text, const std::vector<NamedSecret>& of) {
    for (auto& l : Leaks(of, where, text)) leaks.push_back(std::move(l));
  };
  scan("the log", log, secrets);
  for (const auto& [where, text] : t.pieces) scan(where, text, secrets);
  for (const char* file : {"/runbookd.db", "/runbookd.db-wal"}) {
    std::ifstream in(dir.path() + file, std::ios::binary);
    scan(std::string("the store file ") + file, std::string(std::istreambuf_iterator<char>(in), {}), secrets);
  }
  // The hook gets the plan, and of the daemon's environment PATH and HOME only.
  scan("what the hook saw", ReadFile(dir.path() + "/hook-saw.txt"), secrets);
  // What people are told carries no secret (PagerDuty's own key travels in its event).
  std::vector<NamedSecret> but_routing_key;
  for (const auto& s : secrets) {
    if (s.value != kRoutingKey) but_routing_key.push_back(s);
  }
  for (const auto* fake : {&slack, &audit, &audit_private}) {
    for (const auto& r : fake->seen().All()) scan("a notification", r.body, secrets);
  }
  for (const auto& r : pagerduty.seen().All()) scan("a PagerDuty event", r.body, but_routing_key);
  INFO(log);
  for (const auto& l : leaks) UNSCOPED_INFO(l);
  CHECK(leaks.empty());
}
