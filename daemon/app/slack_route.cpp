#include "daemon/app/slack_route.hpp"

#include "daemon/notify/slack/slack_interaction.hpp"
#include "daemon/notify/slack/slack_signature.hpp"

namespace runbookd {

namespace asio = boost::asio;
namespace slack = notify::slack;

http::Handler MakeSlackInteractionHandler(std::shared_ptr<const std::vector<config::Secret>> signing_secrets,
                                          std::function<gates::ApprovalBook&()> book, const Clock& clock) {
  return [signing_secrets, book, &clock](const http::Request& req) -> asio::awaitable<http::Response> {
    const WallTime now = clock.WallNow();
    slack::SlackVerification verdict = slack::SlackVerification::kBadSignature;
    for (const auto& secret : *signing_secrets) {
      verdict = slack::VerifySlackRequest(secret, req.Header("X-Slack-Request-Timestamp"),
                                          req.Header("X-Slack-Signature"), req.body, now);
      if (verdict == slack::SlackVerification::kOk) break;
    }
    if (signing_secrets->empty()) {
      co_return http::Response::Error(404, "not_found", "no Slack app is configured");
    }
    if (verdict != slack::SlackVerification::kOk) {
      co_return http::Response::Error(
          401, "bad_signature",
          "the Slack request is not signed by a configured app: " + std::string(slack::ToString(verdict)));
    }
    const slack::InteractionOrError parsed = slack::ParseSlackInteraction(req.body);
    if (!parsed.ok()) co_return http::Response::Error(400, std::string(slack::ToString(parsed.error)), parsed.message);
    const slack::ApprovalClick& click = *parsed.click;
    // Slack's user id, which its owner cannot change (a display name can be renamed to vote twice).
    const std::string approver = "slack:" + click.user_id;
    const auto verdict_of_click = click.verdict == slack::ApprovalVerdict::kApprove ? store::ApprovalVerdict::kApprove
                                                                                    : store::ApprovalVerdict::kDeny;
    auto vote = book().Vote(click.approval_id, approver, verdict_of_click, "via Slack", now);
    const gates::ApprovalAnswer answer = co_await std::move(vote);
    std::string text;
    if (!answer.ok()) {
      text = "approval " + std::to_string(click.approval_id) + ": " + answer.message;
    } else {
      text = "approval " + std::to_string(click.approval_id) + " " +
             std::string(store::ToString(answer.approval->state)) + " (" + approver + ")";
    }
    co_return http::Response::Json(200, boost::json::object{{"text", text}, {"replace_original", false}});
  };
}

}  // namespace runbookd
