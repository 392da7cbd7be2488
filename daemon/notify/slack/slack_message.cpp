#include "daemon/notify/slack/slack_message.hpp"

#include <boost/json/array.hpp>

#include "daemon/notify/endpoint.hpp"

namespace runbookd::notify::slack {

namespace json = boost::json;

namespace {

// Block Kit limits: a header's text is at most 150 characters, a section's 3000.
constexpr size_t kHeaderMax = 150;
constexpr size_t kSectionMax = 3000;

json::object PlainText(std::string text) {
  return json::object{{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}

json::object Button(std::string_view label, std::string_view action_id, std::string_view style,
                    const std::string& value) {
  return json::object{{"type", "button"},
                      {"text", PlainText(std::string(label))},
                      {"style", style},
                      {"action_id", action_id},
                      {"value", value}};
}

}  // namespace

std::string EscapeMrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

json::object SlackMessage(const Notification& n, const Templates& templates, const MessageOptions& options) {
  const RenderedMessage message = templates.Render(n, EscapeMrkdwn);
  json::array blocks;
  if (!message.title.empty()) {
    blocks.push_back(json::object{{"type", "header"}, {"text", PlainText(Truncate(message.title, kHeaderMax))}});
  }
  if (!message.text.empty()) {
    blocks.push_back(
        json::object{{"type", "section"},
                     {"text", json::object{{"type", "mrkdwn"}, {"text", Truncate(message.text, kSectionMax)}}}});
  }
  if (options.approval_buttons && n.kind == NotificationKind::kApprovalRequested && n.approval_id) {
    const std::string id = std::to_string(*n.approval_id);
    blocks.push_back(json::object{{"type", "actions"},
                                  {"block_id", "runbookd_approval_" + id},
                                  {"elements", json::array{Button("Approve", kApproveActionId, "primary", id),
                                                           Button("Deny", kDenyActionId, "danger", id)}}});
  }
  json::object body;
  // The fallback shows in notifications and where blocks cannot be rendered.
  body["text"] = Truncate(EscapeMrkdwn(message.title.empty() ? message.text : message.title), kSectionMax);
  body["blocks"] = std::move(blocks);
  if (!options.channel.empty()) body["channel"] = options.channel;
  return body;
}

}  // namespace runbookd::notify::slack
