#pragma once

// The world of the approval scenarios (issue "Gated remediation", scenarios 1 and 4): a fake
// cluster whose ecommerce-backend rolled out revision 3 a minute ago, a shop endpoint that is down
// while revision 3 runs, Slack and PagerDuty fakes, and a config whose APIEndpointDown rule rolls
// the Deployment back, but only after a human approved it.

#include <string>
#include <vector>

#include "tests/integration/gated_scenarios_support.hpp"

namespace runbookd::testing::scenarios {

// The bad-rollout world with the config of these scenarios.
struct ApprovalWorld : BadRolloutWorld {
  // The daemon's config; `approval_timeout` is how long an approval waits for a human.
  std::string Config(const std::string& approval_timeout) const {
    return std::string(kApprovalsConfig) + KubernetesConnectionYaml(kube.WriteKubeconfig(dir.path())) +
           chat.NotifiersYaml() +
           BadRolloutYaml(shop.Url(), {.probe = "api-endpoint",
                                       .action_extra = "    approval: required\n",
                                       .rule = R"(    labels: { service: ecommerce-backend }
    when: { probe: api-endpoint, status: unhealthy }
    for: 2s
    resolve_after: 6s
    then:
      - action: rollback-backend
        if: { recent_rollout: { connection: prod, namespace: production, deployment: ecommerce-backend, within: 30m } }
)"}) +
           "gates:\n  approval: { timeout: " + approval_timeout + " }\n  verify: { bake_time: 3s }\n";
  }

  // Writes (anything but GET) the cluster received for the Deployment, as "METHOD path".
  std::vector<std::string> DeploymentWrites() const {
    std::vector<std::string> out;
    for (const auto& r : kube.ApiRequests()) {
      if (r.method != "GET" &&
          r.path.find("/deployments/" + std::string(kube_fixtures::kDeployment)) != std::string::npos) {
        out.push_back(r.method + " " + r.path);
      }
    }
    return out;
  }

  // Every secret this world configured: none may appear in what runbookd writes or answers.
  std::vector<std::string> Secrets() const {
    return {kSlackWebhookPath, kRoutingKey,    kSlackSigningSecret, kube.token(),
            "reader-secret",   "alice-secret", "bob-secret",        "operator-secret"};
  }
};

// The only pending approval of `action` (its id as text), "" while there is none.
inline std::string PendingApprovalOf(const TempDir& dir, const RunbookdProcess& rb, const std::string& action) {
  const auto listed = Ctl(dir, rb, "reader", {"--output", "json", "approvals"});
  boost::system::error_code ec;
  const auto v = json::parse(listed.out, ec);
  if (ec || !v.is_object()) return "";
  std::string id;
  for (const auto& a : v.at("approvals").as_array()) {
    if (a.at("action").as_string() == action) id = std::to_string(a.at("id").to_number<int64_t>());
  }
  return id;
}

// APIEndpointDown's incident and the pending approval of its rollback (ids as text).
struct PendingRollback {
  std::string incident;
  std::string approval;
};

// Waits for the incident and then for its rollback's pending approval; REQUIREs both.
inline PendingRollback WaitForPendingRollback(const TempDir& dir, const RunbookdProcess& rb) {
  PendingRollback out;
  out.incident = WaitForIncident(dir, rb, "APIEndpointDown");
  INFO(rb.Log());
  REQUIRE(!out.incident.empty());
  REQUIRE(PollUntil([&] { return !(out.approval = PendingApprovalOf(dir, rb, "rollback-backend")).empty(); },
                    std::chrono::seconds(30)));
  return out;
}

// The incident's state as `runbookctl incidents --all` lists it ("" when it is not listed).
inline std::string IncidentState(const TempDir& dir, const RunbookdProcess& rb, const std::string& id) {
  const auto listed = Ctl(dir, rb, "reader", {"--output", "json", "incidents", "--all"});
  boost::system::error_code ec;
  const auto v = json::parse(listed.out, ec);
  if (ec || !v.is_object()) return "";
  for (const auto& i : v.at("incidents").as_array()) {
    if (std::to_string(i.at("id").to_number<int64_t>()) == id) return std::string(i.at("state").as_string());
  }
  return "";
}

// Whether `part` occurs in `text`.
inline bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Whether every one of `parts` occurs in `text`, in this order (a timeline read top to bottom).
inline bool InOrder(const std::string& text, const std::vector<std::string>& parts) {
  size_t at = 0;
  for (const auto& part : parts) {
    at = text.find(part, at);
    if (at == std::string::npos) return false;
    at += part.size();
  }
  return true;
}

// The `custom_details.kind` of each PagerDuty event that has a payload (resolve has none: "resolve").
inline std::vector<std::string> PagerDutyKinds(const ChatFakes& chat) {
  std::vector<std::string> out;
  for (const auto& e : chat.PagerDutyEvents()) {
    const auto* payload = e.if_contains("payload");
    const auto* details = payload ? payload->as_object().if_contains("custom_details") : nullptr;
    const auto* kind = details ? details->as_object().if_contains("kind") : nullptr;
    out.emplace_back(kind && kind->is_string() ? std::string(kind->as_string())
                                               : std::string(e.at("event_action").as_string()));
  }
  return out;
}

}  // namespace runbookd::testing::scenarios
