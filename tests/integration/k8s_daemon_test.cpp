// runbookd with a kubernetes connection to the fake API server: the cluster probes report what
// they see, and `runbookctl run` plans (dry run) and runs an action, recorded in the store.
#include <httplib.h>
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "daemon/store/store.hpp"
#include "tests/support/fake_kube.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/runbookd_process.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace fx = runbookd::testing::kube_fixtures;
namespace json = boost::json;

namespace {

const std::string kRunbookctl = std::string(RUNBOOKD_BINARY_DIR) + "/daemon/ctl/runbookctl";

std::string Config(const std::string& kubeconfig) {
  return R"(auth:
  tokens:
    - { name: oncall, role: operator, token_file: operator.token }
    - { name: dashboards, role: reader, token_file: reader.token }
connections:
  prod: { type: kubernetes, kubeconfig: )" +
         kubeconfig + R"( }
probes:
  - name: backend-workload
    type: k8s_workload
    connection: prod
    interval: 1s
    timeout: 900ms
    spec: { namespace: production, deployment: ecommerce-backend }
actions:
  - name: rollback-backend
    type: k8s_rollout_undo
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: delete-crashlooping
    type: k8s_delete_pod
    connection: prod
    dry_run: true
    spec: { namespace: production, selector: { app: ecommerce-backend }, state: CrashLoopBackOff }
  - name: delete-crashlooping-now
    type: k8s_delete_pod
    connection: prod
    risk: reversible
    spec: { namespace: production, selector: { app: ecommerce-backend }, state: CrashLoopBackOff }
)";
}

CommandResult Ctl(const RunbookdProcess& rb, const std::string& token_file, std::vector<std::string> args) {
  std::vector<std::string> argv = {kRunbookctl, "--url", rb.url(), "--token-file", token_file};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

std::string Image(FakeKube& kube) {
  auto dep = kube.Get("Deployment", "production", fx::kDeployment);
  REQUIRE(dep);
  return json::serialize(dep->at("spec").at("template"));
}

}  // namespace

TEST_CASE("runbookd against the fake cluster: probe verdicts, dry run and run of an action, all recorded") {
  FakeKubeOptions options;
  options.auth = KubeAuth::kBearerToken;
  FakeKube kube(options);
  fx::LoadDeploymentWithHistory(kube);
  kube.Put(fx::MakePod({.name = "ecommerce-backend-7d9f-crash", .state = fx::PodState::kCrashLoopBackOff}));
  TempDir dir;
  dir.Write("operator.token", "operator-secret\n");
  dir.Write("reader.token", "reader-secret\n");
  const std::string kubeconfig = kube.WriteKubeconfig(dir.path());
  const std::string operator_token = dir.path() + "/operator.token";
  const std::string reader_token = dir.path() + "/reader.token";
  std::string store_path;
  {
    RunbookdProcess rb(dir, Config(kubeconfig));
    REQUIRE(rb.WaitReady());

    // The probe sees the CrashLoopBackOff pod whose phase says Running.
    std::string probes;
    REQUIRE(PollUntil(
        [&] {
          probes = Ctl(rb, reader_token, {"probes"}).out;
          return probes.find("crash_loop") != std::string::npos;
        },
        std::chrono::seconds(15)));
    CHECK(probes.find("ecommerce-backend-7d9f-crash") != std::string::npos);

    const std::string before = Image(kube);
    // Dry run: the plan is printed and recorded, nothing is written to the cluster.
    kube.ClearRequests();
    auto dry = Ctl(rb, operator_token, {"run", "rollback-backend", "--dry-run"});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("from revision 3") != std::string::npos);
    CHECK(dry.out.find("to revision 2") != std::string::npos);
    CHECK(dry.out.find("dry run, nothing was changed") != std::string::npos);
    for (const auto& r : kube.ApiRequests()) CHECK(r.method == "GET");
    CHECK(Image(kube) == before);

    // A reader may not run actions; an unknown action is a clear 404.
    auto denied = Ctl(rb, reader_token, {"run", "rollback-backend"});
    CHECK(denied.exit_code == 1);
    CHECK(denied.err.find("HTTP 403") != std::string::npos);
    auto unknown = Ctl(rb, operator_token, {"run", "rollback-backnd"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("no action named \"rollback-backnd\"") != std::string::npos);

    // The run: kubectl rollout undo's patch, the previous revision's template.
    auto run = Ctl(rb, operator_token, {"run", "rollback-backend"});
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("result:  ok: deployment.apps/ecommerce-backend rolled back") != std::string::npos);
    CHECK(Image(kube).find(fx::ImageForRevision(fx::kDeployment, 2)) != std::string::npos);

    // A parameter the action does not take is refused with its name; nothing runs.
    auto bad = Ctl(rb, operator_token, {"run", "rollback-backend", "--param", "replicas=3"});
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.find("replicas") != std::string::npos);

    // An action configured with dry_run: true never acts, even when asked to run.
    auto configured_dry = Ctl(rb, operator_token, {"run", "delete-crashlooping"});
    INFO(configured_dry.out << configured_dry.err);
    CHECK(configured_dry.exit_code == 0);
    CHECK(configured_dry.out.find("dry run") != std::string::npos);
    CHECK(kube.Get("Pod", "production", "ecommerce-backend-7d9f-crash").has_value());

    // A destructive action waits for approval (a `risk:` override does not lift it): the run is
    // answered at once with the approval's id, nothing is deleted until an approver says yes.
    CHECK(Ctl(rb, operator_token, {"run", "delete-crashlooping-now", "--dry-run"}).exit_code == 0);
    auto unapproved = Ctl(rb, operator_token, {"run", "delete-crashlooping-now"});
    INFO(unapproved.out << unapproved.err);
    CHECK(unapproved.exit_code == 0);
    const auto waiting = unapproved.out.find("waiting for approval ");
    REQUIRE(waiting != std::string::npos);
    const std::string approval_id =
        unapproved.out.substr(waiting + 21, unapproved.out.find(' ', waiting + 21) - (waiting + 21));
    CHECK(kube.Get("Pod", "production", "ecommerce-backend-7d9f-crash").has_value());
    auto pending = Ctl(rb, reader_token, {"--output", "json", "approvals"});
    CHECK(pending.out.find("delete-crashlooping-now") != std::string::npos);
    // A reader cannot approve; the operator (who includes the approver role) can.
    CHECK(Ctl(rb, reader_token, {"approve", approval_id}).exit_code == 1);
    auto approved = Ctl(rb, operator_token, {"approve", approval_id, "--comment", "pods stuck since 03:10"});
    INFO(approved.out << approved.err);
    CHECK(approved.exit_code == 0);
    CHECK(PollUntil([&] { return !kube.Get("Pod", "production", "ecommerce-backend-7d9f-crash").has_value(); },
                    std::chrono::seconds(15)));

    httplib::Client http("127.0.0.1", rb.port());
    auto metrics = http.Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("runbookd_actions_total{action=\"rollback-backend\",result=\"ok\"} 1") !=
          std::string::npos);
    CHECK(metrics->body.find("runbookd_would_act_total{action=\"rollback-backend\"} 1") != std::string::npos);
    CHECK(metrics->body.find("runbookd_would_act_total{action=\"delete-crashlooping\"} 1") != std::string::npos);

    rb.process().Signal(SIGTERM);
    REQUIRE(rb.process().Wait(std::chrono::seconds(10)) == std::optional<int>(0));
    // The cluster's bearer token never reaches runbookd's log.
    CHECK(rb.Log().find(kube.token()) == std::string::npos);
    store_path = dir.path() + "/runbookd.db";
  }
  auto store = store::Store::Open(store_path);
  REQUIRE(store.ok());
  auto intents = store->ListActionIntents(10);
  REQUIRE(intents.ok());
  std::vector<std::string> states;
  for (const auto& i : *intents) states.push_back(i.action + ":" + std::string(store::ToString(i.state)));
  // Newest first: the approved deletion, its dry run, the configured dry run, the refused params,
  // the run, the dry run. (Nothing was recorded while the deletion waited for approval.)
  CHECK(states == std::vector<std::string>{"delete-crashlooping-now:succeeded", "delete-crashlooping-now:dry_run",
                                           "delete-crashlooping:dry_run", "rollback-backend:refused",
                                           "rollback-backend:succeeded", "rollback-backend:dry_run"});
  const auto& ran = (*intents)[4];
  REQUIRE(ran.outcomes.size() == 1);
  CHECK(ran.outcomes[0].reason == "ok");
  CHECK(ran.plan_json.find("\"observed\"") != std::string::npos);
}

TEST_CASE("runbookd against the fake cluster: a fresh bad rollout opens an incident and the pipeline rolls it back") {
  FakeKubeOptions options;
  options.auth = KubeAuth::kBearerToken;
  FakeKube kube(options);
  fx::LoadRecentRollout(kube);  // the current revision's ReplicaSet was created a minute ago
  kube.Put(fx::MakePod({.name = "ecommerce-backend-7d9f-crash", .state = fx::PodState::kCrashLoopBackOff}));
  TempDir dir;
  dir.Write("reader.token", "reader-secret\n");
  dir.Write("operator.token", "operator-secret\n");
  const std::string config = Config(kube.WriteKubeconfig(dir.path())) + R"(rules:
  - name: BackendBrokenAfterRollout
    severity: critical
    when:
      all:
        - { probe: backend-workload, status: unhealthy }
        - recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m }
    then: [ { action: rollback-backend } ]
)";
  RunbookdProcess rb(dir, config);
  REQUIRE(rb.WaitReady());
  std::string incidents;
  const bool opened = PollUntil(
      [&] {
        incidents = Ctl(rb, dir.path() + "/reader.token", {"--output", "json", "incidents"}).out;
        return incidents.find("BackendBrokenAfterRollout") != std::string::npos;
      },
      std::chrono::seconds(15));
  INFO(rb.Log());
  REQUIRE(opened);
  auto list = json::parse(incidents).at("incidents").as_array();
  REQUIRE(list.size() == 1);
  const std::string id = std::to_string(list[0].at("id").as_int64());
  // The rule's `then:` runs through the pipeline: the rollback is reversible and needs no
  // approval, so it runs by itself, and every stage is on the incident's timeline.
  std::string detail;
  const bool rolled_back = PollUntil(
      [&] {
        detail = Ctl(rb, dir.path() + "/reader.token", {"incident", id}).out;
        return detail.find("rollback-backend done") != std::string::npos;
      },
      std::chrono::seconds(20));
  INFO(detail);
  CHECK(rolled_back);
  CHECK(detail.find("rolled out revision 3") != std::string::npos);
  CHECK(detail.find("planned rollback-backend") != std::string::npos);
  CHECK(detail.find("rollback-backend: budget allow") != std::string::npos);
  CHECK(detail.find("rollback-backend: revalidate allow") != std::string::npos);
  CHECK(Image(kube).find(fx::ImageForRevision(fx::kDeployment, 2)) != std::string::npos);
}
