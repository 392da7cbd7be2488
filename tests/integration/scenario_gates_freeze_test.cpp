// Gated remediation, scenario 6: 60 % of the probes fail at once, which points at the observer
// (runbookd's own network, DNS, credentials) rather than at the estate. Five http probes, three of
// them on endpoints that fail together; `gates: { freeze: { max_unhealthy_ratio: 0.5, min_probes: 4 } }`.
// The three rules on the failing probes have actions (a restart, a rollback): each is denied by the
// mass-failure freeze, nothing is written to the fake cluster, and the freeze pages exactly once
// however many actions it stops. When the probes recover the freeze ends, and the log says so.
//
// Counting pages: the ladder of ChatFakes::NotifiersYaml() pages every critical incident when it
// opens (PagerDuty `trigger`s of kind "opened", one per incident). The freeze page is the only
// trigger of kind "escalated": it is not tied to an incident (dedup key runbookd-freeze-<start>), it
// is resolved under the same key when the freeze ends, and the incidents whose actions the freeze
// stopped do not escalate on their own.
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "tests/integration/gated_scenarios_support.hpp"

using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;
namespace json = boost::json;

namespace {

constexpr auto kLimit = std::chrono::seconds(60);
const std::vector<std::string> kProbes = {"shop-api", "shop-checkout", "shop-search", "shop-cart", "shop-images"};
// The rules on the three probes that fail together, with the action each would run.
const std::vector<std::pair<std::string, std::string>> kRules = {{"ShopApiDown", "restart-backend"},
                                                                 {"ShopCheckoutDown", "rollback-backend"},
                                                                 {"ShopSearchDown", "restart-backend"}};

std::string Config(const std::string& kubeconfig, const std::vector<std::unique_ptr<ShopEndpoint>>& shops,
                   const ChatFakes& chat) {
  std::string yaml = std::string(kApprovalsConfig) + KubernetesConnectionYaml(kubeconfig) + "probes:\n";
  for (size_t i = 0; i < kProbes.size(); ++i) {
    yaml += "  - { name: " + kProbes[i] + ", type: http, interval: 1s, timeout: 1s, spec: { url: \"" + shops[i]->Url() +
            "\", expect_status: [200] } }\n";
  }
  yaml += R"(actions:
  - name: restart-backend
    type: k8s_rollout_restart
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: rollback-backend
    type: k8s_rollout_undo
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
rules:
)";
  // `for: 5s` lets the three failures land before any rule fires (they come within a probe interval).
  for (size_t i = 0; i < kRules.size(); ++i) {
    yaml += "  - { name: " + kRules[i].first + ", severity: critical, when: { probe: " + kProbes[i] +
            ", status: unhealthy }, for: 5s, resolve_after: 1s, then: [ { action: " + kRules[i].second + " } ] }\n";
  }
  return yaml + "gates:\n  freeze: { max_unhealthy_ratio: 0.5, min_probes: 4 }\n" + chat.NotifiersYaml();
}

}  // namespace

TEST_CASE("scenario 6: three of five probes failing at once freeze every action and page once") {
  FakeKube kube(BearerKube());
  kube_fixtures::LoadDeploymentWithHistory(kube);
  ChatFakes chat;
  // The first three endpoints fail together, as they would behind one broken route.
  std::atomic<bool> observer_broken{false};
  std::vector<std::unique_ptr<ShopEndpoint>> shops;
  for (size_t i = 0; i < kProbes.size(); ++i) {
    const bool fails = i < kRules.size();
    shops.push_back(std::make_unique<ShopEndpoint>([&observer_broken, fails] { return !(fails && observer_broken); }));
  }
  TempDir dir;
  WriteTokens(dir);
  chat.WriteSecrets(dir);
  RunbookdProcess rb(dir, Config(kube.WriteKubeconfig(dir.path()), shops, chat));
  if (!rb.WaitReady()) FAIL(rb.Log());
  for (const auto& probe : kProbes) {
    if (!PollUntil([&] { return ProbeState(dir, rb, probe) == "healthy"; }, kLimit)) FAIL(probe << "\n" << rb.Log());
  }
  // A start with five probes not run yet is no mass failure: nothing froze, nobody was paged.
  CHECK(rb.Log().find("mass-failure freeze") == std::string::npos);
  CHECK(chat.PagerDutyEvents().empty());

  observer_broken = true;
  std::vector<std::string> incidents;
  for (const auto& [rule, action] : kRules) {
    const std::string id = WaitForIncident(dir, rb, rule, kLimit);
    if (id.empty()) FAIL(rule << "\n" << rb.Log());
    const std::string text = WaitForTimeline(dir, rb, id, action + ": freeze deny", kLimit);
    INFO(text);
    CHECK(text.find("planned " + action + ": ") != std::string::npos);
    CHECK(text.find(action + ": freeze deny: mass-failure freeze since ") != std::string::npos);
    CHECK(text.find(": 3 of 5 probes unhealthy or unknown (more than 50%); suspect the observer before the targets") !=
          std::string::npos);
    CHECK(text.find(action + " done") == std::string::npos);
    incidents.push_back(id);
  }
  REQUIRE(PollUntil([&] { return !chat.PagerDutyTriggers("escalated").empty(); }, kLimit));
  CHECK(rb.Log().find("every action is frozen") != std::string::npos);

  // The probes recover: the freeze ends, the incidents resolve, and no action ran meanwhile.
  observer_broken = false;
  // (It ends as soon as no more than half fail: the log names the count at that moment.)
  if (!PollUntil(
          [&] { return rb.Log().find("probes unhealthy or unknown; actions may run again") != std::string::npos; },
          kLimit)) {
    FAIL(rb.Log());
  }
  CHECK(rb.Log().find("mass-failure freeze since ") != std::string::npos);
  for (const auto& id : incidents) {
    const std::string text = WaitForTimeline(dir, rb, id, "state=resolved", kLimit);
    INFO(text);
    CHECK(text.find("state=resolved") != std::string::npos);
    CHECK(text.find("escalated") == std::string::npos);
  }

  // One freeze page however many actions it stopped; each incident paged only when it opened.
  const auto escalated = chat.PagerDutyTriggers("escalated");
  REQUIRE(escalated.size() == 1);
  const auto& page = escalated.front();
  const std::string freeze_key(page.at("dedup_key").as_string());
  CHECK(freeze_key.rfind("runbookd-freeze-", 0) == 0);
  // The freeze page is resolved when the freeze ends (the incidents' own keys resolve with them).
  CHECK(PollUntil(
      [&] {
        for (const auto& e : chat.PagerDutyEvents()) {
          if (e.at("event_action") == "resolve" && e.at("dedup_key") == freeze_key.c_str()) return true;
        }
        return false;
      },
      kLimit));
  const auto note = json::serialize(page.at("payload").at("custom_details"));
  CHECK(note.find("3 of 5 probes unhealthy or unknown") != std::string::npos);
  CHECK(chat.PagerDutyTriggers("opened").size() == kRules.size());
  CHECK(Metric(rb, "runbookd_gate_decisions_total{gate=\"freeze\",verdict=\"deny\"}") == "3");
  for (const auto& r : kube.ApiRequests()) CHECK(r.method == "GET");

  const std::string log = rb.Log();
  for (const std::string& secret : {kube.token(), kRoutingKey, kSlackWebhookPath, kSlackSigningSecret}) {
    CHECK(log.find(secret) == std::string::npos);
  }
}
