// Who hears of an incident, with the real daemon. `runbookctl ack ID` records who on the timeline,
// acknowledges the PagerDuty alert the incident opened (same dedup key), refuses readers, a second
// acknowledgement and incidents that are not open, and is still in force after a restart. A
// silence on a rule's own label holds the incident's notifications, as it stops its actions.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "tests/integration/gated_scenarios_support.hpp"

using namespace runbookd::testing;
using namespace runbookd::testing::scenarios;

namespace {

std::string Config(const ChatFakes& chat, const ShopEndpoint& shop) {
  return std::string(kApprovalsConfig) + chat.NotifiersOnlyYaml() + R"(escalation:
  critical:
    - { after: 0s, notify: [oncall] }
    - { after: 10m, notify: [incidents-channel] }
probes:
  - name: api-endpoint
    type: http
    interval: 1s
    timeout: 900ms
    labels: { service: ecommerce-backend }
    spec: { url: )" +
         shop.Url() +
         R"( }
rules:
  - name: APIEndpointDown
    severity: critical
    labels: { team: shop }
    when: { probe: api-endpoint, status: unhealthy }
)";
}

}  // namespace

TEST_CASE("runbookctl ack: the incident is taken, PagerDuty's alert acknowledged, and it survives a restart") {
  ChatFakes chat;
  ShopEndpoint shop([] { return false; });
  TempDir dir;
  WriteTokens(dir);
  chat.WriteSecrets(dir);
  const std::string config = Config(chat, shop);
  std::string id;
  {
    RunbookdProcess rb(dir, config);
    REQUIRE(rb.WaitReady());
    id = WaitForIncident(dir, rb, "APIEndpointDown");
    INFO(rb.Log());
    REQUIRE(!id.empty());
    const std::string dedup_key = "runbookd-incident-" + id;
    REQUIRE(PollUntil([&] { return chat.PagerDutyActions() == std::vector<std::string>{"trigger"}; },
                      std::chrono::seconds(30)));

    auto by_reader = Ctl(dir, rb, "reader", {"ack", id});
    CHECK(by_reader.exit_code == 1);
    CHECK(by_reader.err.find("403") != std::string::npos);

    auto acked = Ctl(dir, rb, "alice", {"ack", id, "--comment", "rolling back by hand"});
    INFO(acked.out << acked.err);
    CHECK(acked.exit_code == 0);
    CHECK(acked.out.find("acknowledged by alice") != std::string::npos);
    REQUIRE(PollUntil([&] { return chat.PagerDutyActions().size() == 2; }, std::chrono::seconds(30)));
    const auto events = chat.PagerDutyEvents();
    CHECK(events[1].at("event_action") == "acknowledge");
    CHECK(events[1].at("dedup_key") == dedup_key.c_str());
    CHECK(events[0].at("dedup_key") == dedup_key.c_str());
    const std::string timeline = WaitForTimeline(dir, rb, id, "acknowledged by alice: rolling back by hand");
    CHECK(timeline.find("acknowledged by alice: rolling back by hand") != std::string::npos);
    // Slack is the ladder's second rung, not reached: it hears nothing of the acknowledgement.
    CHECK(chat.slack.size() == 0);

    auto again = Ctl(dir, rb, "bob", {"ack", id});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("already acknowledged") != std::string::npos);
    auto unknown = Ctl(dir, rb, "alice", {"ack", "9999"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("no open incident 9999") != std::string::npos);
    CHECK(Ctl(dir, rb, "alice", {"ack", "x1"}).exit_code == 2);

    rb.process().Signal(SIGTERM);
    REQUIRE(rb.process().Wait(std::chrono::seconds(10)) == std::optional<int>(0));
  }
  // The next run reads the acknowledgement back from the timeline.
  RunbookdProcess rb(dir, config);
  REQUIRE(rb.WaitReady());
  auto after_restart = Ctl(dir, rb, "bob", {"ack", id});
  INFO(after_restart.out << after_restart.err << rb.Log());
  CHECK(after_restart.exit_code == 1);
  CHECK(after_restart.err.find("already acknowledged") != std::string::npos);
  CHECK(chat.PagerDutyActions().size() == 2);
}

TEST_CASE("a silence on a rule's label holds the incident's notifications") {
  ChatFakes chat;
  std::atomic<bool> healthy{true};
  ShopEndpoint shop([&] { return healthy.load(); });
  TempDir dir;
  WriteTokens(dir);
  chat.WriteSecrets(dir);
  RunbookdProcess rb(dir, Config(chat, shop));
  REQUIRE(rb.WaitReady());
  auto silenced = Ctl(dir, rb, "operator", {"silence", "add", "team=shop", "--duration", "1h"});
  INFO(silenced.out << silenced.err);
  REQUIRE(silenced.exit_code == 0);
  healthy = false;
  const std::string id = WaitForIncident(dir, rb, "APIEndpointDown");
  REQUIRE(!id.empty());
  // The hub says when it holds a notification; by then it would have sent the page.
  const std::string held = "notification opened of incident " + id + " held: a silence matches";
  CHECK(PollUntil([&] { return rb.Log().find(held) != std::string::npos; }, std::chrono::seconds(30)));
  CHECK(chat.pagerduty.size() == 0);
  CHECK(chat.slack.size() == 0);
}
