// PagerDuty Events API v2: the event for each notification kind, one dedup_key from trigger to
// resolve, severities, and the spec's config errors.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "config/node.hpp"
#include "daemon/notify/notifiers.hpp"
#include "daemon/notify/pagerduty/pagerduty_event.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::notify;
using namespace runbookd::notify::pagerduty;
namespace json = boost::json;

namespace {

const std::string kRoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";

EventSettings Settings() {
  EventSettings s;
  s.routing_key = config::Secret(kRoutingKey);
  s.severity_map = DefaultSeverityMap();
  return s;
}

Notification Incident(NotificationKind kind) {
  Notification n;
  n.kind = kind;
  n.incident_id = 12;
  n.dedup_key = "runbookd-incident-12";
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.state = "open";
  n.summary = "APIEndpointDown: backend-endpoints unhealthy";
  n.labels = {{"service", "ecommerce-backend"}, {"namespace", "production"}};
  n.opened_at = WallTime(std::chrono::seconds(1714554000));
  n.at = n.opened_at + std::chrono::seconds(60);
  return n;
}

std::string Errors(const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  const auto built = MakeNotifier("pagerduty", doc.root(), NotifierDeps{});
  doc.CheckUnknownKeys();
  if (built) CHECK(built->notifier != nullptr);
  return diags.Format();
}

}  // namespace

TEST_CASE("pagerduty event: opened triggers with the payload PagerDuty requires") {
  const auto event = MakeEvent(Incident(NotificationKind::kOpened), Settings());
  REQUIRE(event);
  CHECK(event->at("routing_key") == kRoutingKey.c_str());
  CHECK(event->at("event_action") == "trigger");
  CHECK(event->at("dedup_key") == "runbookd-incident-12");
  const json::object& payload = event->at("payload").as_object();
  CHECK(payload.at("summary") == "\U0001F6A8 [critical] INCIDENT #12 - APIEndpointDown");
  CHECK(payload.at("source") == "runbookd");
  CHECK(payload.at("severity") == "critical");
  CHECK(payload.at("timestamp") == "2024-05-01T09:01:00Z");
  CHECK(payload.at("component") == "ecommerce-backend");
  CHECK(payload.at("group") == "production");
  CHECK(payload.at("class") == "APIEndpointDown");
  const json::object& details = payload.at("custom_details").as_object();
  CHECK(details.at("incident_id") == 12);
  CHECK(details.at("kind") == "opened");
  CHECK(details.at("labels").at("service") == "ecommerce-backend");
  CHECK(details.at("summary") == "APIEndpointDown: backend-endpoints unhealthy");
  CHECK(details.at("details").as_string().find("Status: Investigating") != json::string::npos);
  CHECK_FALSE(event->contains("links"));
}

TEST_CASE("pagerduty event: one dedup_key from trigger to resolve") {
  const EventSettings settings = Settings();
  const auto opened = MakeEvent(Incident(NotificationKind::kOpened), settings);
  const auto escalated = MakeEvent(Incident(NotificationKind::kEscalated), settings);
  Notification approval = Incident(NotificationKind::kApprovalRequested);
  approval.action = "rollback-backend";
  approval.approval_id = 5;
  approval.incident_url = "https://runbookd.example.com/incidents/12";
  const auto approval_event = MakeEvent(approval, settings);
  const auto resolved = MakeEvent(Incident(NotificationKind::kResolved), settings);
  REQUIRE(opened);
  REQUIRE(escalated);
  REQUIRE(approval_event);
  REQUIRE(resolved);
  CHECK(escalated->at("event_action") == "trigger");
  CHECK(approval_event->at("event_action") == "trigger");
  CHECK(approval_event->at("payload").at("custom_details").at("approval_id") == 5);
  CHECK(approval_event->at("links").at(0).at("href") == "https://runbookd.example.com/incidents/12");
  CHECK(approval_event->at("client_url") == "https://runbookd.example.com/incidents/12");
  for (const auto* e : {&*opened, &*escalated, &*approval_event, &*resolved}) {
    CHECK(e->at("dedup_key") == opened->at("dedup_key"));
    CHECK(e->at("routing_key") == kRoutingKey.c_str());
  }
  // Resolve needs nothing but the key, the action and the dedup_key.
  CHECK(*resolved ==
        json::object{{"routing_key", kRoutingKey}, {"event_action", "resolve"}, {"dedup_key", "runbookd-incident-12"}});
  // A human's acknowledgement acknowledges the same alert, with as little.
  const auto acknowledged = MakeEvent(Incident(NotificationKind::kAcknowledged), settings);
  REQUIRE(acknowledged);
  CHECK(*acknowledged == json::object{{"routing_key", kRoutingKey},
                                      {"event_action", "acknowledge"},
                                      {"dedup_key", "runbookd-incident-12"}});
}

TEST_CASE("pagerduty event: updates and action reports are not sent") {
  CHECK_FALSE(MakeEvent(Incident(NotificationKind::kUpdate), Settings()));
  CHECK_FALSE(MakeEvent(Incident(NotificationKind::kActionTaken), Settings()));
  CHECK(EventActionFor(NotificationKind::kUpdate) == EventAction::kNone);
  CHECK(ToString(EventActionFor(NotificationKind::kResolved)) == "resolve");
}

TEST_CASE("pagerduty event: severities, summary length and dedup_key fallback") {
  EventSettings settings = Settings();
  Notification n = Incident(NotificationKind::kOpened);
  for (const auto& [ours, theirs] : std::vector<std::pair<std::string, std::string>>{{"critical", "critical"},
                                                                                     {"high", "error"},
                                                                                     {"warning", "warning"},
                                                                                     {"info", "info"},
                                                                                     {"odd", "critical"}}) {
    n.severity = ours;
    CHECK(MakeEvent(n, settings)->at("payload").at("severity") == theirs.c_str());
  }
  settings.severity_map["warning"] = "info";
  n.severity = "warning";
  CHECK(MakeEvent(n, settings)->at("payload").at("severity") == "info");

  n.rule = std::string(3000, 'r');
  CHECK(MakeEvent(n, settings)->at("payload").at("summary").as_string().size() <= 1024);

  n.dedup_key.clear();
  CHECK(DedupKey(n) == "runbookd-incident-12");
  n.dedup_key = std::string(300, 'k');
  CHECK(DedupKey(n).size() == 255);
}

TEST_CASE("pagerduty config: keys and errors") {
  testing::TempDir dir;
  const std::string key_file = dir.Write("pd-key", kRoutingKey + "\n");
  CHECK(Errors("routing_key_file: " + key_file + "\n") == "");
  CHECK(Errors("routing_key_file: " + key_file +
               "\nurl: http://127.0.0.1:9/v2/enqueue\nseverity_map: {high: critical, info: warning}\n") == "");
  CHECK(Errors("url: http://127.0.0.1:9/\n").find("missing required key \"routing_key_file\"") != std::string::npos);
  const std::string bad_map = Errors("routing_key_file: " + key_file + "\nseverity_map: {high: page, hihg: error}\n");
  CHECK(bad_map.find("severity_map.high: unknown value \"page\"") != std::string::npos);
  CHECK(bad_map.find("did you mean \"high\"") != std::string::npos);
  CHECK(Errors("routing_key_file: " + key_file + "\nurl: ftp://x/\n").find("must start with http://") !=
        std::string::npos);
  CHECK(Errors("routing_key_file: " + dir.path() + "/absent\n").find("cannot read") != std::string::npos);
  const std::string inline_key = Errors("routing_key: R0UT1NGKEY0123456789abcdefABCDEF\n");
  CHECK(inline_key.find("routing_key: routing_key is a secret: put it in a file and give routing_key_file") !=
        std::string::npos);
  CHECK(inline_key.find("R0UT1NGKEY") == std::string::npos);
  CHECK(inline_key.find("missing required key") == std::string::npos);
}
