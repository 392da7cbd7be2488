#pragma once

// The gated pipeline's scenarios with the real daemon: the fake cluster, a shop endpoint whose
// health follows what the cluster runs, and Slack / PagerDuty fakes recording what runbookd told
// people. Tokens, runbookctl and raw API calls come from approvals_api_support.hpp.

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/approvals_api_support.hpp"
#include "tests/support/fake_kube.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/request_recorder.hpp"
#include "tests/support/test_http_server.hpp"

namespace runbookd::testing::scenarios {

namespace json = boost::json;

// The secrets the notifiers are configured with; none may show up anywhere runbookd writes.
inline const std::string kSlackWebhookPath = "/services/T0SHOP/B0ALERTS/slackWebhookSecret0x9f";
inline const std::string kRoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";
inline const std::string kSlackSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";

// Slack's incoming webhook and PagerDuty's Events API v2, answering as the real ones do.
struct ChatFakes {
  RequestRecorder slack;
  RequestRecorder pagerduty;
  TestHttpServer slack_server{[this](const TestRequest& r) {
    slack.Add(r);
    TestResponse answer;
    answer.headers = {{"Content-Type", "text/plain"}};
    answer.body = "ok";
    return answer;
  }};
  TestHttpServer pagerduty_server{[this](const TestRequest& r) {
    pagerduty.Add(r);
    boost::system::error_code ec;
    const auto body = json::parse(r.body, ec);
    const auto* key = ec || !body.is_object() ? nullptr : body.as_object().if_contains("dedup_key");
    TestResponse answer;
    answer.status = 202;
    answer.headers = {{"Content-Type", "application/json"}};
    answer.body = json::serialize(json::object{
        {"status", "success"}, {"message", "Event processed"}, {"dedup_key", key ? *key : json::value("generated")}});
    return answer;
  }};

  // Writes the secret files the notifiers' `*_file` keys name, in `dir`.
  void WriteSecrets(const TempDir& dir) const {
    dir.Write("slack-webhook-url", slack_server.Url(kSlackWebhookPath) + "\n");
    dir.Write("pagerduty-routing-key", kRoutingKey + "\n");
    dir.Write("slack-signing-secret", kSlackSigningSecret + "\n");
  }

  // `notifiers:` with one Slack channel (with an app: approval buttons) and one PagerDuty service,
  // and `escalation:` paging both for a critical incident at once.
  std::string NotifiersYaml() const {
    return NotifiersOnlyYaml() + R"(escalation:
  critical:
    - { after: 0s, notify: [oncall, incidents-channel] }
)";
  }
  // The same `notifiers:` without an `escalation:` block.
  std::string NotifiersOnlyYaml() const {
    return R"(notifiers:
  - name: incidents-channel
    type: slack
    spec:
      webhook_url_file: slack-webhook-url
      app: { signing_secret_file: slack-signing-secret }
  - name: oncall
    type: pagerduty
    spec:
      routing_key_file: pagerduty-routing-key
      url: )" +
           pagerduty_server.Url("/v2/enqueue") + "\n";
  }

  // PagerDuty events in the order received.
  std::vector<json::object> PagerDutyEvents() const {
    std::vector<json::object> out;
    for (const auto& r : pagerduty.All()) out.push_back(json::parse(r.body).as_object());
    return out;
  }
  // "trigger", "resolve", … of each PagerDuty event, in order.
  std::vector<std::string> PagerDutyActions() const {
    std::vector<std::string> out;
    for (const auto& e : PagerDutyEvents()) out.emplace_back(e.at("event_action").as_string());
    return out;
  }
  // Each Slack message's raw JSON body, in order.
  std::vector<std::string> SlackBodies() const {
    std::vector<std::string> out;
    for (const auto& r : slack.All()) out.push_back(r.body);
    return out;
  }
  // How many Slack messages contain `text`.
  size_t SlackCount(const std::string& text) const {
    size_t n = 0;
    for (const auto& b : SlackBodies()) n += b.find(text) != std::string::npos;
    return n;
  }
  // The PagerDuty triggers of one notification kind ("opened", "approval_requested", "escalated":
  // payload.custom_details.kind), in order. Resolves carry no payload and never match.
  std::vector<json::object> PagerDutyTriggers(const std::string& kind) const {
    std::vector<json::object> out;
    for (const auto& e : PagerDutyEvents()) {
      const auto* payload = e.if_contains("payload");
      const auto* details =
          payload && payload->is_object() ? payload->as_object().if_contains("custom_details") : nullptr;
      const auto* k = details && details->is_object() ? details->as_object().if_contains("kind") : nullptr;
      if (k && k->is_string() && k->as_string() == kind) out.push_back(e);
    }
    return out;
  }
};

// The shop's API as a health endpoint: 200 while `healthy()` says so, else 503.
class ShopEndpoint {
 public:
  explicit ShopEndpoint(std::function<bool()> healthy)
      : healthy_(std::move(healthy)), server_([this](const TestRequest&) {
          TestResponse answer;
          const bool up = healthy_();
          answer.status = up ? 200 : 503;
          answer.body = up ? "ok" : "upstream connect error";
          return answer;
        }) {}
  std::string Url() const { return server_.Url("/healthz"); }

 private:
  std::function<bool()> healthy_;
  TestHttpServer server_;
};

inline std::string KubernetesConnectionYaml(const std::string& kubeconfig) {
  return "connections:\n  prod: { type: kubernetes, kubeconfig: " + kubeconfig + " }\n";
}

// One `probes:` entry: http probe `name` polling `url` every second, healthy on 200.
inline std::string HttpProbeYaml(const std::string& name, const std::string& url, const std::string& timeout) {
  return "  - name: " + name + "\n    type: http\n    interval: 1s\n    timeout: " + timeout + "\n    spec: { url: \"" +
         url + "\", expect_status: [200] }\n";
}

// What differs between the bad-rollout scenarios' configs (see BadRolloutYaml).
struct BadRolloutParts {
  std::string probe = "shop-api";  // the http probe on the shop's endpoint
  std::string action_extra;        // more keys of action rollback-backend, each line indented by 4
  std::string rule;                // APIEndpointDown's keys after `severity:`, each line indented by 4
};

// `probes:`, `actions:` and `rules:` of a bad-rollout scenario: one http probe on the shop's
// endpoint, action rollback-backend (undo ecommerce-backend's rollout) and rule APIEndpointDown.
inline std::string BadRolloutYaml(const std::string& shop_url, const BadRolloutParts& parts) {
  return "probes:\n" + HttpProbeYaml(parts.probe, shop_url, "900ms") + R"(actions:
  - name: rollback-backend
    type: k8s_rollout_undo
    connection: prod
)" + parts.action_extra +
         R"(    spec: { namespace: production, deployment: ecommerce-backend }
rules:
  - name: APIEndpointDown
    severity: critical
)" + parts.rule;
}

// APIEndpointDown's keys when it matches only while shop-api fails right after a rollout, and then
// always rolls back; `extra` (e.g. resolve_after) goes before `then:`.
inline std::string RecentRolloutRuleYaml(const std::string& extra) {
  return R"(    when:
      all:
        - { probe: shop-api, status: unhealthy }
        - recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m }
)" + extra +
         "    then: [ { action: rollback-backend } ]\n";
}

// The revision the Deployment runs (its deployment.kubernetes.io/revision annotation), 0 if none.
inline int DeploymentRevision(const FakeKube& kube) {
  auto dep = kube.Get("Deployment", kube_fixtures::kNamespace, kube_fixtures::kDeployment);
  if (!dep) return 0;
  const auto* annotations = dep->at("metadata").as_object().if_contains("annotations");
  const auto* rev = annotations ? annotations->as_object().if_contains("deployment.kubernetes.io/revision") : nullptr;
  return rev && rev->is_string() ? std::stoi(std::string(rev->as_string())) : 0;
}

using kube_fixtures::LoadRecentRollout;

// The fake cluster's options when it demands the bearer token the kubeconfig presents.
inline FakeKubeOptions BearerKube() {
  FakeKubeOptions options;
  options.auth = KubeAuth::kBearerToken;
  return options;
}

// The bad-rollout world: a fake cluster whose ecommerce-backend rolled out revision 3 a minute ago,
// a shop endpoint that is down while revision 3 runs, the Slack / PagerDuty fakes, and a state dir
// holding the API tokens and the notifiers' secrets.
struct BadRolloutWorld {
  FakeKube kube{BearerKube()};
  kube_fixtures::DeploymentWithHistory loaded = LoadRecentRollout(kube);
  ChatFakes chat;
  ShopEndpoint shop{[this] { return DeploymentRevision(kube) != 3; }};
  TempDir dir;

  BadRolloutWorld() {
    WriteTokens(dir);
    chat.WriteSecrets(dir);
  }
};

// Polls the incident list until an incident of `rule` is there; its id, or "" after `limit`.
inline std::string WaitForIncident(const TempDir& dir, const RunbookdProcess& rb, const std::string& rule,
                                   std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  std::string id;
  PollUntil(
      [&] {
        const auto listed = Ctl(dir, rb, "reader", {"--output", "json", "incidents", "--all"});
        boost::system::error_code ec;
        const auto v = json::parse(listed.out, ec);
        if (ec || !v.is_object()) return false;
        for (const auto& i : v.at("incidents").as_array()) {
          if (i.at("rule").as_string() == rule) id = std::to_string(i.at("id").to_number<int64_t>());
        }
        return !id.empty();
      },
      limit);
  return id;
}

// `runbookctl incident ID` as the on-call engineer reads it.
inline std::string IncidentText(const TempDir& dir, const RunbookdProcess& rb, const std::string& id) {
  return Ctl(dir, rb, "reader", {"incident", id}).out;
}

// Polls `runbookctl incident ID` until it contains `text`; the last text read either way.
inline std::string WaitForTimeline(const TempDir& dir, const RunbookdProcess& rb, const std::string& id,
                                   const std::string& text,
                                   std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  std::string detail;
  PollUntil(
      [&] {
        detail = IncidentText(dir, rb, id);
        return detail.find(text) != std::string::npos;
      },
      limit);
  return detail;
}

// The settled state ("healthy", "unhealthy", "unknown") of probe `name` as `runbookctl probes`
// reports it; "" when runbookd does not list it.
inline std::string ProbeState(const TempDir& dir, const RunbookdProcess& rb, const std::string& name) {
  const auto listed = Ctl(dir, rb, "reader", {"--output", "json", "probes"});
  boost::system::error_code ec;
  const auto v = json::parse(listed.out, ec);
  if (ec || !v.is_object() || !v.as_object().contains("probes")) return "";
  for (const auto& p : v.at("probes").as_array()) {
    const auto* state = p.as_object().if_contains("state");
    if (p.at("name").as_string() == name && state && state->is_string()) return std::string(state->as_string());
  }
  return "";
}

// One series' value from /metrics ("" when absent), e.g. Metric(rb, "runbookd_would_act_total{action=\"x\"}").
inline std::string Metric(const RunbookdProcess& rb, const std::string& series) {
  httplib::Client http("127.0.0.1", rb.port());
  auto res = http.Get("/metrics");
  if (!res) return "";
  const auto at = res->body.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const auto start = at + series.size() + 2;
  return res->body.substr(start, res->body.find('\n', start) - start);
}

}  // namespace runbookd::testing::scenarios
