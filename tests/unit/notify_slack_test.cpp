// Slack: request signatures (Slack's documented example, and every way a request fails), the
// interactive payload of an Approve / Deny click, and the Block Kit message.
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <catch2/catch.hpp>

#include "daemon/notify/slack/slack_interaction.hpp"
#include "daemon/notify/slack/slack_message.hpp"
#include "daemon/notify/slack/slack_signature.hpp"

using namespace runbookd;
using namespace runbookd::notify::slack;
namespace json = boost::json;

namespace {

// api.slack.com, "Verifying requests from Slack": the worked example.
const config::Secret kDocSecret("8f742231b10e8888abcd99yyyzzz85a5");
constexpr std::string_view kDocTimestamp = "1531420618";
constexpr std::string_view kDocBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
    "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack."
    "com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view kDocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

WallTime At(int64_t unix_seconds) { return WallTime(std::chrono::seconds(unix_seconds)); }

std::string Form(const std::string& payload_json) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  return "payload=" + boost::urls::encode(payload_json, boost::urls::unreserved_chars, opts);
}

std::string Click(const std::string& action_id, const std::string& value) {
  return R"({"type":"block_actions","user":{"id":"U024BE7LH","username":"alice","name":"alice.w","team_id":"T1"},)"
         R"("api_app_id":"A1","token":"legacy","trigger_id":"1.2.3","response_url":"https://hooks.slack.com/actions/T1/1/abc",)"
         R"("actions":[{"action_id":")" +
         action_id + R"(","block_id":"runbookd_approval_42","value":")" + value +
         R"(","type":"button","action_ts":"1.2"}]})";
}

Notification Approval() {
  Notification n;
  n.kind = NotificationKind::kApprovalRequested;
  n.incident_id = 12;
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.summary = "backend <down> & out";
  n.action = "rollback-backend";
  n.plan_summary = "undo deployment production/ecommerce-backend to revision 41";
  n.approval_id = 42;
  return n;
}

}  // namespace

TEST_CASE("slack signature: Slack's documented example verifies") {
  CHECK(SlackSignature(kDocSecret, kDocTimestamp, kDocBody) == kDocSignature);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature, kDocBody, At(1531420618)) ==
        SlackVerification::kOk);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature, kDocBody, At(1531420618 + 299)) ==
        SlackVerification::kOk);
}

TEST_CASE("slack signature: wrong secret, modified body, malformed signature") {
  const WallTime now = At(1531420618);
  CHECK(VerifySlackRequest(config::Secret("another-secret"), kDocTimestamp, kDocSignature, kDocBody, now) ==
        SlackVerification::kBadSignature);
  std::string modified(kDocBody);
  modified.back() = 'd';
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature, modified, now) ==
        SlackVerification::kBadSignature);
  // The raw body counts, not its decoded form.
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature, std::string(kDocBody) + "\n", now) ==
        SlackVerification::kBadSignature);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature.substr(3), kDocBody, now) ==
        SlackVerification::kBadSignature);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, "v1=" + std::string(kDocSignature.substr(3)), kDocBody, now) ==
        SlackVerification::kBadSignature);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, kDocSignature.substr(0, 20), kDocBody, now) ==
        SlackVerification::kBadSignature);
  // A signature made for another timestamp does not verify under this one.
  const std::string other_ts = "1531420619";
  CHECK(VerifySlackRequest(kDocSecret, other_ts, kDocSignature, kDocBody, now) == SlackVerification::kBadSignature);
}

TEST_CASE("slack signature: stale timestamps in both directions") {
  const int64_t ts = 1531420618;
  const std::string sig(kDocSignature);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, sig, kDocBody, At(ts + 300)) == SlackVerification::kOk);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, sig, kDocBody, At(ts + 301)) ==
        SlackVerification::kStaleTimestamp);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, sig, kDocBody, At(ts - 300)) == SlackVerification::kOk);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, sig, kDocBody, At(ts - 301)) ==
        SlackVerification::kStaleTimestamp);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, sig, kDocBody, At(ts + 86400)) ==
        SlackVerification::kStaleTimestamp);
  CHECK(VerifySlackRequest(kDocSecret, "9223372036854775807", sig, kDocBody, At(ts)) ==
        SlackVerification::kStaleTimestamp);
  CHECK(VerifySlackRequest(kDocSecret, "15314206l8", sig, kDocBody, At(ts)) == SlackVerification::kStaleTimestamp);
}

TEST_CASE("slack signature: missing headers") {
  const WallTime now = At(1531420618);
  CHECK(VerifySlackRequest(kDocSecret, "", kDocSignature, kDocBody, now) == SlackVerification::kMissingHeaders);
  CHECK(VerifySlackRequest(kDocSecret, kDocTimestamp, "", kDocBody, now) == SlackVerification::kMissingHeaders);
  CHECK(ToString(SlackVerification::kMissingHeaders) == "missing_headers");
}

TEST_CASE("slack interaction: approve and deny clicks") {
  const InteractionOrError approve = ParseSlackInteraction(Form(Click("runbookd_approve", "42")));
  INFO(approve.message);
  REQUIRE(approve.ok());
  CHECK(approve.click->approval_id == 42);
  CHECK(approve.click->verdict == ApprovalVerdict::kApprove);
  CHECK(approve.click->user_id == "U024BE7LH");
  CHECK(approve.click->user_name == "alice");
  CHECK(approve.click->response_url == "https://hooks.slack.com/actions/T1/1/abc");

  const InteractionOrError deny = ParseSlackInteraction(Form(Click("runbookd_deny", "7")));
  REQUIRE(deny.ok());
  CHECK(deny.click->verdict == ApprovalVerdict::kDeny);
  CHECK(deny.click->approval_id == 7);
}

TEST_CASE("slack interaction: a form with spaces as plus and other fields") {
  std::string payload = Click("runbookd_approve", "42");
  payload.insert(payload.size() - 1, R"(,"note":"two words")");
  const InteractionOrError r = ParseSlackInteraction("token=legacy&" + Form(payload) + "&other=x");
  REQUIRE(r.ok());
  CHECK(r.click->approval_id == 42);
}

TEST_CASE("slack interaction: errors name what is wrong") {
  auto error_of = [](const std::string& body) { return ParseSlackInteraction(body).error; };
  CHECK(error_of("") == InteractionError::kNoPayload);
  CHECK(error_of("token=abc&text=hi") == InteractionError::kNoPayload);
  CHECK(error_of(Form("{not json")) == InteractionError::kInvalidJson);
  CHECK(error_of(Form("[1,2]")) == InteractionError::kInvalidJson);
  CHECK(error_of(Form(R"({"type":"view_submission","user":{"id":"U1"}})")) == InteractionError::kUnsupportedType);
  CHECK(error_of(Form(R"({"type":"block_actions","user":{"id":"U1"},"actions":[]})")) == InteractionError::kNoAction);
  CHECK(error_of(Form(R"({"type":"block_actions","user":{"id":"U1"}})")) == InteractionError::kNoAction);
  CHECK(error_of(Form(Click("approve", "42"))) == InteractionError::kUnknownAction);
  CHECK(error_of(Form(Click("runbookd_approve", "abc"))) == InteractionError::kInvalidApprovalId);
  CHECK(error_of(Form(Click("runbookd_approve", "0"))) == InteractionError::kInvalidApprovalId);
  CHECK(error_of(Form(Click("runbookd_approve", "-3"))) == InteractionError::kInvalidApprovalId);
  CHECK(error_of(Form(Click("runbookd_approve", ""))) == InteractionError::kInvalidApprovalId);
  CHECK(error_of(Form(R"({"type":"block_actions","actions":[{"action_id":"runbookd_deny","value":"4"}]})")) ==
        InteractionError::kNoUser);
  const InteractionOrError r = ParseSlackInteraction(Form(Click("approve", "42")));
  CHECK(r.message == "unknown action_id (expected runbookd_approve or runbookd_deny)");
  CHECK(ToString(r.error) == "unknown_action");
}

TEST_CASE("slack message: blocks with Approve and Deny buttons for an approval") {
  const notify::Templates templates;
  const json::object body = SlackMessage(Approval(), templates, MessageOptions{"#incidents", true});
  CHECK(body.at("channel") == "#incidents");
  CHECK(body.at("text").as_string().find("APPROVAL NEEDED - rollback-backend") != json::string::npos);
  const json::array& blocks = body.at("blocks").as_array();
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].at("type") == "header");
  CHECK(blocks[0].at("text").at("type") == "plain_text");
  CHECK(blocks[1].at("type") == "section");
  CHECK(blocks[1].at("text").at("type") == "mrkdwn");
  const std::string section(blocks[1].at("text").at("text").as_string());
  CHECK(section.find("Impact: backend &lt;down&gt; &amp; out") != std::string::npos);  // values are escaped
  CHECK(section.find("runbookctl approve 42") != std::string::npos);
  const json::value& actions = blocks[2];
  CHECK(actions.at("type") == "actions");
  const json::array& buttons = actions.at("elements").as_array();
  REQUIRE(buttons.size() == 2);
  CHECK(buttons[0].at("type") == "button");
  CHECK(buttons[0].at("action_id") == "runbookd_approve");
  CHECK(buttons[0].at("value") == "42");
  CHECK(buttons[0].at("style") == "primary");
  CHECK(buttons[1].at("action_id") == "runbookd_deny");
  CHECK(buttons[1].at("value") == "42");
  CHECK(buttons[1].at("style") == "danger");
}

TEST_CASE("slack message: no buttons without the app, nor for other kinds") {
  const notify::Templates templates;
  const json::object plain = SlackMessage(Approval(), templates, MessageOptions{});
  CHECK(plain.at("blocks").as_array().size() == 2);
  CHECK_FALSE(plain.contains("channel"));
  Notification opened = Approval();
  opened.kind = NotificationKind::kOpened;
  CHECK(SlackMessage(opened, templates, MessageOptions{"", true}).at("blocks").as_array().size() == 2);
}

TEST_CASE("slack message: a long title is cut to the header's 150 characters") {
  const notify::Templates templates;
  Notification n = Approval();
  n.kind = NotificationKind::kOpened;
  n.rule = std::string(400, 'x');
  const json::object body = SlackMessage(n, templates, MessageOptions{});
  CHECK(body.at("blocks").as_array()[0].at("text").at("text").as_string().size() <= 150);
}
