#include "daemon/notify/slack/slack_notifier.hpp"

#include <boost/json/serialize.hpp>

#include "daemon/notify/endpoint.hpp"
#include "daemon/notify/slack/slack_message.hpp"
#include "daemon/notify/templates.hpp"

namespace runbookd::notify::slack {

namespace {

namespace asio = boost::asio;

struct SlackSettings {
  Endpoint endpoint;
  MessageOptions message;
  Templates templates;
};

class SlackNotifier final : public Notifier {
 public:
  explicit SlackNotifier(SlackSettings settings) : settings_(std::move(settings)) {}

  asio::awaitable<NotifyResult> Send(const NotifyContext& ctx, const Notification& n) const override {
    std::string body = boost::json::serialize(SlackMessage(n, settings_.templates, settings_.message));
    Headers headers;
    const http_client::Response response =
        co_await PostJson(ctx, settings_.endpoint, std::move(body), std::move(headers));
    // Slack answers errors with a plain word ("invalid_payload", "channel_not_found").
    co_return Classify(settings_.endpoint, response, Success::kStatus200, "slack", response.body);
  }

 private:
  const SlackSettings settings_;
};

}  // namespace

NotifierFactory MakeNotifierFactory() {
  return [](const config::Node& spec, const NotifierDeps&) -> std::optional<BuiltNotifier> {
    if (!spec.defined() || !spec.is_map()) {
      spec.Error("the slack notifier needs a spec with at least \"webhook_url_file\"");
      return std::nullopt;
    }
    const size_t errors_before = spec.diagnostics().items().size();
    std::optional<Endpoint> endpoint = ReadSecretEndpoint(spec, "webhook_url");
    std::optional<config::Secret> signing_secret;
    if (const config::Node app = spec["app"]; app.defined()) {
      const bool given_inline = RejectInlineSecret(app, "signing_secret");
      signing_secret = app.ReadSecret("signing_secret");
      if (!signing_secret && !given_inline && !app["signing_secret_file"].defined() &&
          !app["signing_secret_env"].defined()) {
        app.Error("missing required key \"signing_secret_file\"");
      }
    }
    SlackSettings settings;
    settings.message.channel = spec["channel"].AsString();
    settings.message.approval_buttons = signing_secret.has_value();
    settings.templates = ReadTemplates(spec["templates"]);
    if (!endpoint || spec.diagnostics().items().size() != errors_before) return std::nullopt;
    settings.endpoint = std::move(*endpoint);
    if (signing_secret) settings.endpoint.redactor.Add(signing_secret->Reveal());
    return BuiltNotifier{std::make_shared<const SlackNotifier>(std::move(settings)), std::move(signing_secret)};
  };
}

}  // namespace runbookd::notify::slack
