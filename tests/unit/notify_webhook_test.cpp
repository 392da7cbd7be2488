// The generic webhook: its signature (checked against Python's hmac), the documented JSON shape,
// and the spec's config errors.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "config/node.hpp"
#include "daemon/notify/hmac.hpp"
#include "daemon/notify/notifiers.hpp"
#include "daemon/notify/webhook/webhook_payload.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::notify;
using namespace runbookd::notify::webhook;
namespace json = boost::json;

namespace {

std::string Errors(const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  const auto built = MakeNotifier("webhook", doc.root(), NotifierDeps{});
  doc.CheckUnknownKeys();
  if (built) CHECK(built->notifier != nullptr);
  return diags.Format();
}

}  // namespace

TEST_CASE("webhook signature: t=<ts>,v1=<hex HMAC-SHA256 of ts.body>") {
  // python3: hmac.new(b"whsec-test", b'1714554000.{"version":"1"}', hashlib.sha256).hexdigest()
  CHECK(WebhookSignature(config::Secret("whsec-test"), 1714554000, R"({"version":"1"})") ==
        "t=1714554000,v1=787478f0e12e943cac383b0a3d2e1f7a7bc48e9145a7e1c67d396eccd93d6a3e");
  CHECK(WebhookSignature(config::Secret("other"), 1714554000, R"({"version":"1"})") !=
        WebhookSignature(config::Secret("whsec-test"), 1714554000, R"({"version":"1"})"));
  CHECK(WebhookSignature(config::Secret("whsec-test"), 1714554001, R"({"version":"1"})").rfind("t=1714554001,v1=", 0) ==
        0);
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST_CASE("webhook payload: version 1 with every key, null where unknown") {
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.incident_id = 12;
  n.dedup_key = "runbookd-incident-12";
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.state = "open";
  n.summary = "backend down";
  n.labels = {{"service", "api"}};
  n.opened_at = WallTime(std::chrono::seconds(1714554000));
  n.at = n.opened_at;
  const json::object body = WebhookPayload(n, Templates());
  CHECK(body.at("version") == "1");
  CHECK(body.at("kind") == "opened");
  CHECK(body.at("at") == "2024-05-01T09:00:00Z");
  CHECK(body.at("title") == "\U0001F6A8 [critical] INCIDENT #12 - APIEndpointDown");
  CHECK(body.at("text").as_string().find("Impact: backend down") != json::string::npos);
  const json::object& incident = body.at("incident").as_object();
  CHECK(incident.at("id") == 12);
  CHECK(incident.at("dedup_key") == "runbookd-incident-12");
  CHECK(incident.at("labels").at("service") == "api");
  CHECK(incident.at("opened_at") == "2024-05-01T09:00:00Z");
  CHECK(incident.at("url").is_null());
  for (const char* key : {"duration_seconds", "root_cause", "action", "approval", "note"}) {
    INFO(key);
    CHECK(body.at(key).is_null());
  }

  n.kind = NotificationKind::kApprovalRequested;
  n.action = "rollback-backend";
  n.plan_summary = "undo to revision 41";
  n.approval_id = 9;
  n.approval_expires_at = n.at + std::chrono::minutes(30);
  const json::object approval = WebhookPayload(n, Templates());
  CHECK(approval.at("action") ==
        json::object{{"name", "rollback-backend"}, {"plan_summary", "undo to revision 41"}, {"outcome", nullptr}});
  CHECK(approval.at("approval") == json::object{{"id", 9}, {"expires_at", "2024-05-01T09:30:00Z"}});

  n.kind = NotificationKind::kResolved;
  n.duration = std::chrono::seconds(600);
  n.root_cause = "rolled back";
  const json::object resolved = WebhookPayload(n, Templates());
  CHECK(resolved.at("duration_seconds") == 600);
  CHECK(resolved.at("root_cause") == "rolled back");
}

TEST_CASE("webhook config: url or url_file, headers, hmac secret") {
  testing::TempDir dir;
  const std::string url_file = dir.Write("hook-url", "https://hooks.example.com/T/secret-path\n");
  const std::string secret_file = dir.Write("hmac", "whsec\n");
  CHECK(Errors("url: http://127.0.0.1:9/hook\n") == "");
  CHECK(Errors("url_file: " + url_file + "\nhmac_secret_file: " + secret_file +
               "\nheaders: {X-Team: sre, Authorization: Bearer abc}\n") == "");
  CHECK(Errors("url: http://a/\nurl_file: " + url_file + "\n").find("give either url or url_file") !=
        std::string::npos);
  CHECK(Errors("headers: {X-A: b}\n").find("missing required key \"url\"") != std::string::npos);
  CHECK(Errors("url: http://a/\nheaders: {Content-Type: text/plain}\n").find("is set by runbookd") !=
        std::string::npos);
  CHECK(Errors("url: http://a/\nheaders: {X-Runbookd-Signature: x}\n").find("is set by runbookd") != std::string::npos);
  CHECK(Errors("url: http://a/\nheaders: {\"bad name\": x}\n").find("invalid header name") != std::string::npos);
  CHECK(Errors("url: http://a/\nhmac_secret: x\n").find("hmac_secret is a secret: put it in a file") !=
        std::string::npos);
  CHECK(Errors("url: \"http://\"\n").find("has no host") != std::string::npos);
}

TEST_CASE("webhook config: a URL from a file is never quoted in an error") {
  testing::TempDir dir;
  const std::string url_file = dir.Write("hook-url", "ftp://hooks.example.com/T/very-secret-token\n");
  const std::string errors = Errors("url_file: " + url_file + "\n");
  CHECK(errors.find("must start with http://") != std::string::npos);
  CHECK(errors.find("very-secret-token") == std::string::npos);
  CHECK(errors.find("hooks.example.com") == std::string::npos);
}
