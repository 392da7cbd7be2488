// Gated remediation, scenario 3: a flapping target. The shop's API keeps breaking; a rolling restart
// (reversible, no approval) brings it back each time, until it breaks again. `gates:` has a 30s
// cooldown per target and a budget of 2 runs per hour for the rule. Four breaks, four incidents:
// the first restart runs and is verified; the next break comes inside the cooldown and its restart
// is denied by the cooldown, which pages nobody (the API then recovers by itself); after the
// cooldown the second restart runs; the fourth break finds the rule's budget spent: the circuit
// opens, nothing runs, the incident escalates and PagerDuty gets the page. The cluster saw exactly
// two restarts, and every decision is on the incidents' timelines.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>

#include "tests/integration/gated_scenarios_support.hpp"

using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace json = boost::json;

namespace {

constexpr auto kCooldown = std::chrono::seconds(30);
constexpr auto kLimit = std::chrono::seconds(60);

// The Deployment template's kubectl.kubernetes.io/restartedAt ("" before the first restart).
std::string RestartedAt(const FakeKube& kube) {
  auto dep = kube.Get("Deployment", kube_fixtures::kNamespace, kube_fixtures::kDeployment);
  if (!dep) return "";
  const auto* meta = dep->at("spec").at("template").as_object().if_contains("metadata");
  const auto* annotations = meta ? meta->as_object().if_contains("annotations") : nullptr;
  const auto* at = annotations ? annotations->as_object().if_contains("kubectl.kubernetes.io/restartedAt") : nullptr;
  return at && at->is_string() ? std::string(at->as_string()) : "";
}

// The shop's API, broken whenever the test says so; a rolling restart after the break (a new
// restartedAt on the template) brings it back until the next break.
class FlakyApi {
 public:
  explicit FlakyApi(const FakeKube& kube) : kube_(kube) {}
  void Break() {
    std::lock_guard lock(mu_);
    broken_under_ = RestartedAt(kube_);
  }
  void Recover() {
    std::lock_guard lock(mu_);
    broken_under_.reset();
  }
  bool Healthy() const {
    std::lock_guard lock(mu_);
    return !broken_under_ || RestartedAt(kube_) != *broken_under_;
  }

 private:
  const FakeKube& kube_;
  mutable std::mutex mu_;
  std::optional<std::string> broken_under_;
};

std::string Config(const std::string& kubeconfig, const ShopEndpoint& shop, const ChatFakes& chat) {
  return std::string(kApprovalsConfig) + KubernetesConnectionYaml(kubeconfig) + "probes:\n" +
         HttpProbeYaml("api-endpoint", shop.Url(), "1s") + R"(actions:
  - name: restart-backend
    type: k8s_rollout_restart
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
rules:
  - name: APIEndpointDown
    severity: critical
    when: { probe: api-endpoint, status: unhealthy }
    for: 1s
    resolve_after: 0s
    then: [ { action: restart-backend } ]
gates:
  cooldown: 30s
  budgets: { per_rule: { max: 2, window: 1h } }
  verify: { bake_time: 5s }
)" + chat.NotifiersYaml();
}

// The restarts the cluster saw: kubectl rollout restart's PATCH of the Deployment.
size_t Restarts(const FakeKube& kube) {
  size_t n = 0;
  for (const auto& r : kube.ApiRequests()) {
    n += r.method == "PATCH" && r.path == "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
  }
  return n;
}

// The id of an APIEndpointDown incident not in `seen` (added to it), or "" after the limit.
std::string WaitForNewIncident(const TempDir& dir, const RunbookdProcess& rb, std::set<std::string>& seen) {
  std::string id;
  PollUntil(
      [&] {
        boost::system::error_code ec;
        const auto v = json::parse(Ctl(dir, rb, "reader", {"--output", "json", "incidents", "--all"}).out, ec);
        if (ec || !v.is_object()) return false;
        for (const auto& i : v.at("incidents").as_array()) {
          const std::string candidate = std::to_string(i.at("id").to_number<int64_t>());
          if (i.at("rule").as_string() == "APIEndpointDown" && !seen.count(candidate)) id = candidate;
        }
        return !id.empty();
      },
      kLimit);
  if (!id.empty()) seen.insert(id);
  return id;
}

// When a cooldown that started no later than `restarted_at` (RFC 3339, whole seconds) has ended.
std::chrono::system_clock::time_point CooldownOver(const std::string& restarted_at) {
  std::tm tm{};
  REQUIRE(strptime(restarted_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) != nullptr);
  // The run is counted just before its PATCH, within the second the annotation names.
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::seconds(1) + kCooldown +
         std::chrono::seconds(1);
}

}  // namespace

TEST_CASE("scenario 3: a flapping target: the cooldown holds a restart back, the budget stops the third and pages") {
  FakeKube kube(BearerKube());
  kube_fixtures::LoadDeploymentWithHistory(kube);
  FlakyApi api(kube);
  ShopEndpoint shop([&] { return api.Healthy(); });
  ChatFakes chat;
  TempDir dir;
  WriteTokens(dir);
  chat.WriteSecrets(dir);
  RunbookdProcess rb(dir, Config(kube.WriteKubeconfig(dir.path()), shop, chat));
  if (!rb.WaitReady()) FAIL(rb.Log());
  if (!PollUntil([&] { return ProbeState(dir, rb, "api-endpoint") == "healthy"; }, kLimit)) FAIL(rb.Log());
  std::set<std::string> seen;
  auto wait_resolved = [&](const std::string& id) {
    const std::string text = WaitForTimeline(dir, rb, id, "state=resolved", kLimit);
    INFO(text);
    REQUIRE(text.find("state=resolved") != std::string::npos);
  };

  // First break: the restart runs, the API comes back, verification says fixed.
  api.Break();
  const std::string first = WaitForNewIncident(dir, rb, seen);
  if (first.empty()) FAIL(rb.Log());
  std::string text = WaitForTimeline(dir, rb, first, "verification of restart-backend: fixed", kLimit);
  {
    INFO(text);
    CHECK(text.find("planned restart-backend: restart production/ecommerce-backend") != std::string::npos);
    CHECK(text.find("restart-backend: budget allow") != std::string::npos);
    CHECK(text.find("restart-backend done (intent ") != std::string::npos);
    CHECK(text.find("ok: deployment.apps/ecommerce-backend restarted") != std::string::npos);
    CHECK(text.find("verification of restart-backend: fixed") != std::string::npos);
  }
  wait_resolved(first);
  CHECK(Restarts(kube) == 1);
  const std::string first_restart = RestartedAt(kube);
  REQUIRE(!first_restart.empty());

  // Second break, inside the cooldown: the restart is denied; a cooldown pages nobody. The API
  // then recovers by itself, as a flapping target does.
  api.Break();
  const std::string second = WaitForNewIncident(dir, rb, seen);
  if (second.empty()) FAIL(rb.Log());
  text = WaitForTimeline(dir, rb, second, "restart-backend: budget deny", kLimit);
  {
    INFO(text);
    CHECK(text.find("restart-backend: budget deny: cooldown for production/deployment/ecommerce-backend until ") !=
          std::string::npos);
    CHECK(text.find("escalated") == std::string::npos);
  }
  api.Recover();
  wait_resolved(second);
  CHECK(IncidentText(dir, rb, second).find("escalated") == std::string::npos);
  CHECK(chat.PagerDutyTriggers("escalated").empty());
  CHECK(Restarts(kube) == 1);

  // After the cooldown (it began with the first restart), the third break is restarted again.
  const auto cooldown_over = CooldownOver(first_restart);
  REQUIRE(PollUntil([&] { return std::chrono::system_clock::now() >= cooldown_over; }, kCooldown + kLimit));
  api.Break();
  const std::string third = WaitForNewIncident(dir, rb, seen);
  if (third.empty()) FAIL(rb.Log());
  text = WaitForTimeline(dir, rb, third, "verification of restart-backend: fixed", kLimit);
  {
    INFO(text);
    CHECK(text.find("restart-backend: budget allow") != std::string::npos);
    CHECK(text.find("restart-backend done (intent ") != std::string::npos);
  }
  wait_resolved(third);
  CHECK(Restarts(kube) == 2);

  // Fourth break: two runs in the hour spent the rule's budget. The circuit opens, the incident
  // escalates, PagerDuty is paged for it, and nothing runs.
  api.Break();
  const std::string fourth = WaitForNewIncident(dir, rb, seen);
  if (fourth.empty()) FAIL(rb.Log());
  text = WaitForTimeline(dir, rb, fourth, "escalated: ", kLimit);
  {
    INFO(text);
    CHECK(text.find("restart-backend: budget deny: budget for rule APIEndpointDown exhausted (2 in the last 1h); "
                    "circuit open until ") != std::string::npos);
    CHECK(text.find("escalated: budget for rule APIEndpointDown exhausted") != std::string::npos);
    CHECK(text.find("state=escalated") != std::string::npos);
    CHECK(text.find("restart-backend done") == std::string::npos);
  }
  REQUIRE(PollUntil([&] { return !chat.PagerDutyTriggers("escalated").empty(); }, kLimit));
  const auto pages = chat.PagerDutyTriggers("escalated");
  CHECK(pages.size() == 1);
  CHECK(pages.front().at("dedup_key").as_string() == "runbookd-incident-" + fourth);
  CHECK(Restarts(kube) == 2);
  CHECK(Metric(rb, "runbookd_actions_total{action=\"restart-backend\",result=\"ok\"}") == "2");
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"budget\",verdict=\"deny\"}") == "2");

  const std::string log = rb.Log();
  for (const std::string& secret : {kube.token(), kRoutingKey, kSlackWebhookPath, kSlackSigningSecret}) {
    CHECK(log.find(secret) == std::string::npos);
    CHECK(text.find(secret) == std::string::npos);
  }
}
