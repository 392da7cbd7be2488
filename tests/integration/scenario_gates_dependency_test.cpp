// Gated remediation, scenario 2: the shop's API goes down after a recent rollout while its
// PostgreSQL is down. APIEndpointDown's `then:` would roll the rollout back, but the rule depends on
// DatabaseDown: the dependency gate denies the rollback (nothing is written to the cluster) and
// says so on the incident's timeline. DatabaseDown is the rule that acts or pages: its `then:` is
// rds-failover against the fake AWS, destructive, so it waits for approval and pages the on-call;
// nobody answers, the approval expires, and the incident escalates (a second page).
// The database is a real PostgreSQL 15, started by the test and stopped under runbookd's probe.
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/integration/gated_scenarios_support.hpp"
#include "tests/support/fake_aws.hpp"
#include "tests/support/postgres_server.hpp"

using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace json = boost::json;

namespace {

const std::string kDbCluster = "orders-db";

json::object AwsState() {
  return json::parse(R"({"db_clusters": {"orders-db": {"status": "available", "engine": "aurora-postgresql",
      "members": [{"id": "orders-db-1", "writer": true}, {"id": "orders-db-2", "writer": false}]}}})")
      .as_object();
}

std::string Config(const std::string& kubeconfig, const FakeAws& aws, const ShopEndpoint& shop,
                   const PostgresServer& db, const ChatFakes& chat) {
  return std::string(kApprovalsConfig) + KubernetesConnectionYaml(kubeconfig) + "  shop-aws: " + aws.ConnectionYaml() +
         R"(
probes:
)" + HttpProbeYaml("api-endpoint", shop.Url(), "1s") +
         R"(  - name: shop-postgres
    type: postgres
    interval: 2s
    timeout: 2s
    spec: { host: 127.0.0.1, port: )" +
         std::to_string(db.port()) + ", user: " + PostgresServer::kProbeUser +
         R"(, password_file: postgres.password, sslmode: disable }
actions:
  - name: rollback-backend
    type: k8s_rollout_undo
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: rds-failover
    type: rds_failover
    connection: shop-aws
    spec: { db_cluster_identifier: )" +
         kDbCluster + R"( }
rules:
  - name: DatabaseDown
    severity: critical
    when: { probe: shop-postgres, status: unhealthy }
    for: 1s
    then: [ { action: rds-failover } ]
  - name: APIEndpointDown
    severity: critical
    when: { probe: api-endpoint, status: unhealthy }
    for: 1s
    depends_on: [DatabaseDown]
    then:
      - action: rollback-backend
        if: { recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m } }
gates:
  approval: { timeout: 6s }
)" + chat.NotifiersYaml();
}

// The PagerDuty triggers of one kind for one incident.
size_t Pages(const ChatFakes& chat, const std::string& kind, const std::string& incident) {
  size_t n = 0;
  for (const auto& e : chat.PagerDutyTriggers(kind))
    n += e.at("dedup_key").as_string() == "runbookd-incident-" + incident;
  return n;
}

}  // namespace

TEST_CASE("scenario 2: with the database down the rollback is held back and the database rule escalates") {
  FakeKube kube(BearerKube());
  LoadRecentRollout(kube);
  auto aws = FakeAws::Start();
  aws->SetState(AwsState());
  PostgresServer db;
  ChatFakes chat;
  // The shop's API needs its database: it fails once the database is gone (and, on revision 3,
  // a rollback would bring it back, so a rollback that ran would show as a "fix").
  std::atomic<bool> api_broken{false};
  ShopEndpoint shop([&] { return !api_broken || DeploymentRevision(kube) != 3; });

  TempDir dir;
  WriteTokens(dir);
  chat.WriteSecrets(dir);
  dir.Write("postgres.password", std::string(PostgresServer::kProbePassword) + "\n");
  const auto aws_env = aws->Environment();
  RunbookdProcess rb(dir, Config(kube.WriteKubeconfig(dir.path()), *aws, shop, db, chat),
                     std::map<std::string, std::string>(aws_env.begin(), aws_env.end()));
  if (!rb.WaitReady()) FAIL(rb.Log());

  // Everything healthy first: the probe logs in to the running database.
  REQUIRE(PollUntil([&] { return ProbeState(dir, rb, "shop-postgres") == "healthy"; }, std::chrono::seconds(60)));
  REQUIRE(PollUntil([&] { return ProbeState(dir, rb, "api-endpoint") == "healthy"; }, std::chrono::seconds(30)));

  // The database goes down; DatabaseDown fires, then the API starts failing.
  db.Stop();
  const std::string db_incident = WaitForIncident(dir, rb, "DatabaseDown", std::chrono::seconds(60));
  if (db_incident.empty()) FAIL(rb.Log());
  api_broken = true;
  const std::string api_incident = WaitForIncident(dir, rb, "APIEndpointDown", std::chrono::seconds(60));
  if (api_incident.empty()) FAIL(rb.Log());

  // APIEndpointDown: suppressed, its rollback planned (the recent rollout holds) and denied by the
  // dependency gate; it pages nobody beyond its own opening.
  std::string api_text =
      WaitForTimeline(dir, rb, api_incident, "rollback-backend: dependency deny", std::chrono::seconds(60));
  INFO(api_text);
  CHECK(api_text.find("suppressed: rule DatabaseDown is firing; its actions will not run") != std::string::npos);
  CHECK(api_text.find("planned rollback-backend: ") != std::string::npos);
  CHECK(api_text.find("rollback-backend: dependency deny: suppressed while DatabaseDown is down") != std::string::npos);
  CHECK(api_text.find("suppressed by DatabaseDown") != std::string::npos);

  // DatabaseDown: the failover is planned, waits for an approver and pages; unanswered, the
  // approval expires and the incident escalates.
  std::string db_text = WaitForTimeline(dir, rb, db_incident, "escalated: ", std::chrono::seconds(60));
  INFO(db_text);
  CHECK(db_text.find("planned rds-failover: fail over Aurora cluster orders-db: writer orders-db-1 → orders-db-2") !=
        std::string::npos);
  CHECK(db_text.find("rds-failover: dependency allow") != std::string::npos);
  CHECK(db_text.find("rds-failover: approval pending: approval ") != std::string::npos);
  CHECK(db_text.find("rds-failover: approval deny: approval ") != std::string::npos);
  CHECK(db_text.find(" expired") != std::string::npos);
  CHECK(db_text.find("state=escalated") != std::string::npos);
  REQUIRE(PollUntil([&] { return Pages(chat, "escalated", db_incident) == 1; }, std::chrono::seconds(30)));
  CHECK(Pages(chat, "opened", db_incident) == 1);
  CHECK(Pages(chat, "approval_requested", db_incident) == 1);
  CHECK(aws->Requests("FailoverDBCluster").empty());

  // Still nothing for the API: no rollback, no escalation, not a single write to the cluster.
  api_text = IncidentText(dir, rb, api_incident);
  CHECK(api_text.find("escalated") == std::string::npos);
  CHECK(api_text.find("rollback-backend done") == std::string::npos);
  // The suppressed incident is held like an inhibited alert: no page of any kind under its key.
  for (const auto& e : chat.PagerDutyEvents())
    CHECK(e.at("dedup_key").as_string() != "runbookd-incident-" + api_incident);
  CHECK(DeploymentRevision(kube) == 3);
  for (const auto& r : kube.ApiRequests()) CHECK(r.method == "GET");
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"dependency\",verdict=\"deny\"}") == "1");

  // No secret in what runbookd wrote or answered.
  const std::string log = rb.Log();
  const std::string listed = Ctl(dir, rb, "reader", {"--output", "json", "incidents", "--all"}).out;
  for (const std::string& secret :
       {kube.token(), kRoutingKey, kSlackWebhookPath, kSlackSigningSecret, std::string(PostgresServer::kProbePassword),
        std::string(FakeAws::kSecretAccessKey)}) {
    CHECK(log.find(secret) == std::string::npos);
    CHECK(db_text.find(secret) == std::string::npos);
    CHECK(api_text.find(secret) == std::string::npos);
    CHECK(listed.find(secret) == std::string::npos);
  }
}
