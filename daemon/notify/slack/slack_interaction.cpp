#include "daemon/notify/slack/slack_interaction.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>

#include "daemon/notify/endpoint.hpp"
#include "daemon/notify/slack/slack_message.hpp"

namespace runbookd::notify::slack {

namespace json = boost::json;

namespace {

InteractionOrError Fail(InteractionError error, std::string message) {
  return InteractionOrError{std::nullopt, error, std::move(message)};
}

std::string StringField(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The form's `payload` value, decoded ('+' is a space in forms).
std::optional<std::string> FormPayload(std::string_view form_body) {
  auto params = boost::urls::parse_query(form_body);
  if (!params) return std::nullopt;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  for (const auto& param : *params) {
    if (param.key.decode(form) == "payload" && param.has_value) return param.value.decode(form);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(InteractionError error) {
  switch (error) {
    case InteractionError::kNone:
      return "none";
    case InteractionError::kNoPayload:
      return "no_payload";
    case InteractionError::kInvalidJson:
      return "invalid_json";
    case InteractionError::kUnsupportedType:
      return "unsupported_type";
    case InteractionError::kNoAction:
      return "no_action";
    case InteractionError::kUnknownAction:
      return "unknown_action";
    case InteractionError::kInvalidApprovalId:
      return "invalid_approval_id";
    case InteractionError::kNoUser:
      return "no_user";
  }
  return "none";
}

InteractionOrError ParseSlackInteraction(std::string_view form_body) {
  const std::optional<std::string> payload = FormPayload(form_body);
  if (!payload) return Fail(InteractionError::kNoPayload, "expected a form with a \"payload\" field");
  boost::system::error_code ec;
  json::value parsed = json::parse(*payload, ec);
  if (ec || !parsed.is_object()) return Fail(InteractionError::kInvalidJson, "payload is not a JSON object");
  const json::object& root = parsed.get_object();

  const std::string type = StringField(root, "type");
  if (type != "block_actions") {
    return Fail(InteractionError::kUnsupportedType, "expected a block_actions interaction, got " +
                                                        (type.empty() ? "none" : "\"" + Truncate(type, 40) + "\""));
  }
  const json::value* actions = root.if_contains("actions");
  if (!actions || !actions->is_array() || actions->get_array().size() != 1 || !actions->get_array()[0].is_object()) {
    return Fail(InteractionError::kNoAction, "expected exactly one action");
  }
  const json::object& action = actions->get_array()[0].get_object();
  ApprovalClick click;
  const std::string action_id = StringField(action, "action_id");
  if (action_id == kApproveActionId) {
    click.verdict = ApprovalVerdict::kApprove;
  } else if (action_id == kDenyActionId) {
    click.verdict = ApprovalVerdict::kDeny;
  } else {
    return Fail(InteractionError::kUnknownAction, "unknown action_id (expected " + std::string(kApproveActionId) +
                                                      " or " + std::string(kDenyActionId) + ")");
  }
  const std::string value = StringField(action, "value");
  const auto [end, parse_ec] = std::from_chars(value.data(), value.data() + value.size(), click.approval_id);
  if (value.empty() || parse_ec != std::errc() || end != value.data() + value.size() || click.approval_id <= 0) {
    return Fail(InteractionError::kInvalidApprovalId, "the button's value is not an approval id");
  }
  const json::value* user = root.if_contains("user");
  if (user && user->is_object()) {
    click.user_id = StringField(user->get_object(), "id");
    click.user_name = StringField(user->get_object(), "username");
    if (click.user_name.empty()) click.user_name = StringField(user->get_object(), "name");
  }
  if (click.user_id.empty()) return Fail(InteractionError::kNoUser, "the interaction names no user");
  click.response_url = StringField(root, "response_url");
  return InteractionOrError{std::move(click), InteractionError::kNone, {}};
}

}  // namespace runbookd::notify::slack
