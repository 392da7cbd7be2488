// Issue "Gated remediation", scenario 1 through Slack: the same bad rollout and pending rollout
// undo, approved by a click on the Approve button. Slack POSTs a signed `block_actions`
// interaction to /api/v1/slack/interactions; a request signed with another secret changes nothing,
// the genuine one approves as the Slack user, and the undo runs exactly once and fixes the endpoint.
#include <httplib.h>
#include <signal.h>

#include <cctype>
#include <cstdio>

#include "daemon/notify/hmac.hpp"
#include "tests/integration/scenario_approval_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;

namespace {

std::string FormEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// A click on a button of approval `id`, as Slack sends it: one form field, `payload`.
std::string ClickBody(const std::string& action_id, const std::string& id) {
  const json::object payload{
      {"type", "block_actions"},
      {"user", json::object{{"id", "U0ALICE"}, {"username", "alice.oncall"}, {"team_id", "T0SHOP"}}},
      {"response_url", "https://hooks.slack.com/actions/T0SHOP/1234/responseUrlToken"},
      {"actions", json::array{json::object{{"action_id", action_id}, {"value", id}, {"type", "button"}}}}};
  return "payload=" + FormEncode(json::serialize(payload));
}

httplib::Result PostSigned(const RunbookdProcess& rb, const std::string& secret, const std::string& body) {
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const std::string signature = "v0=" + notify::HmacSha256Hex(secret, "v0:" + ts + ":" + body);
  httplib::Client client("127.0.0.1", rb.port());
  client.set_read_timeout(10);
  const httplib::Headers headers{{"X-Slack-Request-Timestamp", ts}, {"X-Slack-Signature", signature}};
  return client.Post("/api/v1/slack/interactions", headers, body, "application/x-www-form-urlencoded");
}

}  // namespace

TEST_CASE("scenario 1 through Slack: a signed Approve click runs the rollback once and it is verified") {
  ApprovalWorld world;
  RunbookdProcess rb(world.dir, world.Config("15m"));
  REQUIRE(rb.WaitReady());
  const TempDir& dir = world.dir;

  const auto [id, approval] = WaitForPendingRollback(dir, rb);
  INFO(rb.Log());
  REQUIRE(PollUntil([&] { return world.chat.SlackCount("runbookd_approve") == 1; }, std::chrono::seconds(30)));

  // Signed with another secret: refused, and the approval still waits.
  const std::string click = ClickBody("runbookd_approve", approval);
  auto forged = PostSigned(rb, "not-the-signing-secret-0123456789", click);
  REQUIRE(forged);
  CHECK(forged->status == 401);
  CHECK(PendingApprovalOf(dir, rb, "rollback-backend") == approval);
  CHECK(world.DeploymentWrites().empty());

  auto genuine = PostSigned(rb, kSlackSigningSecret, click);
  REQUIRE(genuine);
  INFO(genuine->body);
  CHECK(genuine->status == 200);
  CHECK(Has(genuine->body, "approval " + approval + " approved (slack:U0ALICE)"));

  std::string timeline =
      WaitForTimeline(dir, rb, id, "verification of rollback-backend: fixed", std::chrono::seconds(60));
  INFO(timeline);
  CHECK(Has(timeline, "rollback-backend: approval allow: approval " + approval + " approved by slack:U0ALICE"));
  CHECK(Has(timeline, "rollback-backend done (intent "));
  CHECK(world.DeploymentWrites().size() == 1);
  CHECK(DeploymentRevision(world.kube) != 3);

  // A second click on the decided approval changes nothing.
  auto again = PostSigned(rb, kSlackSigningSecret, click);
  REQUIRE(again);
  CHECK(Has(again->body, "already approved"));

  REQUIRE(PollUntil([&] { return IncidentState(dir, rb, id) == "resolved"; }, std::chrono::seconds(60)));
  REQUIRE(PollUntil(
      [&] {
        const auto actions = world.chat.PagerDutyActions();
        return !actions.empty() && actions.back() == "resolve";
      },
      std::chrono::seconds(30)));
  for (const auto& event : world.chat.PagerDutyEvents()) {
    CHECK(event.at("dedup_key").as_string() == "runbookd-incident-" + id);
  }
  CHECK(world.DeploymentWrites().size() == 1);

  timeline = IncidentText(dir, rb, id);
  rb.process().Signal(SIGTERM);
  REQUIRE(rb.process().Wait(std::chrono::seconds(15)) == std::optional<int>(0));
  const std::string log = rb.Log();
  CHECK(!Has(log, "responseUrlToken"));
  for (const auto& secret : world.Secrets()) {
    INFO(secret);
    CHECK(!Has(log, secret));
    CHECK(!Has(timeline, secret));
  }
}
