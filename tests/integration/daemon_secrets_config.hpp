#pragma once

// The config of the whole-daemon secrets test: API tokens of every role, a Kubernetes connection
// with a bearer token, an aws connection with a session token (from the environment), probes with
// passwords and HTTP credentials, every notifier type with its secrets in files, the exec approval
// hook, and a rule whose rollback needs approval. `broken` adds the config errors a reload must
// report without quoting a secret.

#include <string>

#include "tests/integration/daemon_secrets_support.hpp"

namespace runbookd::testing::daemon_secrets {

struct Endpoints {
  std::string kubeconfig;
  std::string aws_connection;  // FakeAws::ConnectionYaml()
  std::string shop_url;        // the shop's health endpoint
  std::string partner_url;     // an HTTP probe target echoing the request in a 500
  int postgres_port = 0;
  int refused_port = 0;
  std::string pagerduty_url;
  std::string audit_url;  // a webhook receiver's URL that is not a secret (`url:`)
  std::string hook;       // the approval hook script
};

inline std::string Config(const Endpoints& e, bool broken) {
  const std::string refused = std::to_string(e.refused_port);
  std::string c = R"(log: { level: debug }
auth:
  tokens:
    - { name: dashboards, role: reader, token_file: reader.token }
    - { name: alice, role: approver, token_file: alice.token }
    - { name: bob, role: approver, token_file: bob.token }
    - { name: oncall, role: operator, token_file: operator.token }
    - { name: admin, role: admin, token_file: admin.token }
    - { name: alertmanager, role: webhook, token_file: webhook.token }
connections:
  prod: { type: kubernetes, kubeconfig: )" +
                  e.kubeconfig + R"( }
  shop-aws: )" + e.aws_connection +
                  "\n";
  if (broken) c += "  broken-cluster: { type: kubernetes, kubeconfig: broken-kubeconfig.yaml }\n";
  c += R"(probes:
  - name: shop-api
    type: http
    interval: 1s
    timeout: 900ms
    spec: { url: ")" +
       e.shop_url + R"(", bearer_token_file: http-bearer.token }
  - name: partner-api
    type: http
    interval: 2s
    timeout: 1s
    spec: { url: ")" +
       e.partner_url + R"(", basic_auth: { username: runbookd, password_file: http-basic.password } }
  - name: backend-workload
    type: k8s_workload
    connection: prod
    interval: 1s
    timeout: 900ms
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: backend-endpoints
    type: k8s_endpoints
    connection: prod
    interval: 1s
    timeout: 900ms
    spec: { namespace: production, service: ecommerce-backend }
  - name: shop-alb
    type: alb_target_health
    connection: shop-aws
    interval: 2s
    timeout: 2s
    spec: { target_group_arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef" }
  - name: orders-db
    type: rds
    connection: shop-aws
    interval: 2s
    timeout: 2s
    spec: { db_cluster_identifier: orders-db }
  - name: pg-login
    type: postgres
    interval: 2s
    timeout: 2s
    spec: { host: 127.0.0.1, port: )" +
       std::to_string(e.postgres_port) + R"(, user: probe, password_file: pg-login.password, sslmode: disable }
  - name: pg-wrong-password
    type: postgres
    interval: 2s
    timeout: 2s
    spec: { host: 127.0.0.1, port: )" +
       std::to_string(e.postgres_port) + R"(, user: probe, password_file: pg-wrong.password, sslmode: disable }
  - name: pg-refused
    type: postgres
    interval: 2s
    timeout: 1s
    spec: { host: 127.0.0.1, port: )" +
       refused + R"(, user: probe, password_file: pg-refused.password, sslmode: disable }
  - name: cache
    type: redis
    interval: 2s
    timeout: 1s
    spec: { address: "127.0.0.1:)" +
       refused + R"(", password_file: redis.password }
)";
  if (broken) {
    // Secrets given inline by mistake: the errors name the key, never the value.
    c += "  - name: pg-inline\n    type: postgres\n    spec: { host: 127.0.0.1, user: probe, password: \"" +
         kPgWrongPassword + "\" }\n";
  }
  c += R"(rules:
  - name: ShopDown
    severity: critical
    labels: { service: shop }
    when: { probe: shop-api, status: unhealthy }
    resolve_after: 2s
    then: [ { action: rollback-backend } ]
  - name: DatabaseLoginFailing
    severity: warning
    labels: { service: database }
    when: { probe: pg-wrong-password, status: unhealthy }
actions:
  - name: rollback-backend
    type: k8s_rollout_undo
    connection: prod
    approval: required
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: restart-backend
    type: k8s_rollout_restart
    connection: prod
    spec: { namespace: production, deployment: ecommerce-backend }
  - name: delete-crashlooping
    type: k8s_delete_pod
    connection: prod
    spec: { namespace: production, selector: { app: ecommerce-backend }, state: CrashLoopBackOff }
  - name: rds-failover
    type: rds_failover
    connection: shop-aws
    spec: { db_cluster_identifier: orders-db, wait_timeout: 30s }
gates:
  cooldown: 0s
  freeze: { max_unhealthy_ratio: 1 }
  approval:
    timeout: 10m
    hook: { command: [)" +
       e.hook + R"(], timeout: 10s }
  verify: { bake_time: 2s }
notifiers:
  - name: incidents-channel
    type: slack
    spec:
      webhook_url_file: slack-webhook-url
      app: { signing_secret_file: slack-signing-secret }
  - name: oncall
    type: pagerduty
    spec:
)";
  c += broken ? "      routing_key: \"" + kRoutingKey + "\"\n" : "      routing_key_file: pagerduty-routing-key\n";
  c += "      url: " + e.pagerduty_url + R"(
  - name: audit
    type: webhook
    spec:
      url: )" +
       e.audit_url +
       R"(
      hmac_secret_file: webhook-hmac
      headers: { Authorization: ")" +
       kHookAuthHeader + R"(" }
  - name: audit-private
    type: webhook
    spec:
      url_file: webhook-url
      hmac_secret_file: webhook-hmac
)";
  if (broken) {
    c += "  - name: broken-slack\n    type: slack\n    spec: { webhook_url_file: broken-slack-url }\n";
    c += "  - name: broken-hook\n    type: webhook\n    spec: { url_file: broken-webhook-url, hmac_secret: \"" +
         kHmacSecret + "\" }\n";
  }
  c += R"(escalation:
  critical:
    - { after: 0s, notify: [oncall, incidents-channel, audit, audit-private] }
)";
  return c;
}

}  // namespace runbookd::testing::daemon_secrets
