#include "daemon/notify/webhook/webhook_notifier.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "daemon/notify/endpoint.hpp"
#include "daemon/notify/webhook/webhook_payload.hpp"

namespace runbookd::notify::webhook {

namespace {

namespace asio = boost::asio;

// Set by runbookd itself; a configured value would break the request or its signature.
const std::vector<std::string> kReservedHeaders = {"content-type", "content-length", "host", "transfer-encoding",
                                                   "x-runbookd-signature"};

struct WebhookSettings {
  Endpoint endpoint;
  std::optional<config::Secret> hmac_secret;
  Headers headers;
  Templates templates;
  const Clock* clock = nullptr;
};

class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(WebhookSettings settings) : settings_(std::move(settings)) {}

  asio::awaitable<NotifyResult> Send(const NotifyContext& ctx, const Notification& n) const override {
    std::string body = boost::json::serialize(WebhookPayload(n, settings_.templates));
    Headers headers = settings_.headers;
    if (settings_.hmac_secret) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(settings_.clock->WallNow().time_since_epoch());
      headers.emplace_back(kSignatureHeader, WebhookSignature(*settings_.hmac_secret, now.count(), body));
    }
    const http_client::Response response =
        co_await PostJson(ctx, settings_.endpoint, std::move(body), std::move(headers));
    co_return Classify(settings_.endpoint, response, Success::kAny2xx, "webhook", response.body);
  }

 private:
  const WebhookSettings settings_;
};

bool IsToken(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

Headers ReadHeaders(const config::Node& node) {
  Headers out;
  for (const auto& [name, value] : node.Entries()) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!IsToken(name)) {
      value.Error("invalid header name \"" + name + "\"");
    } else if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lower) != kReservedHeaders.end()) {
      value.Error("header \"" + name + "\" is set by runbookd");
    } else if (const std::string text = value.AsString(); text.find_first_of("\r\n") != std::string::npos) {
      value.Error("a header value is one line");
    } else {
      out.emplace_back(name, text);
    }
  }
  return out;
}

}  // namespace

NotifierFactory MakeNotifierFactory() {
  static const SystemClock kSystemClock;
  return [](const config::Node& spec, const NotifierDeps& deps) -> std::optional<BuiltNotifier> {
    if (!spec.defined() || !spec.is_map()) {
      spec.Error("the webhook notifier needs a spec with \"url\" or \"url_file\"");
      return std::nullopt;
    }
    const size_t errors_before = spec.diagnostics().items().size();
    WebhookSettings settings;
    settings.clock = deps.clock ? deps.clock : &kSystemClock;
    std::optional<Endpoint> endpoint;
    const config::Node url = spec["url"];
    const bool secret_url = spec["url_file"].defined() || spec["url_env"].defined();
    if (url.defined() && secret_url) {
      url.Error("give either url or url_file, not both");
    } else if (url.defined()) {
      endpoint = MakeEndpoint(url, url.AsString(), false);
    } else if (secret_url) {
      endpoint = ReadSecretEndpoint(spec, "url");
    } else {
      spec.Error("missing required key \"url\" (or \"url_file\" when the URL is a secret)");
    }
    RejectInlineSecret(spec, "hmac_secret");
    settings.hmac_secret = spec.ReadSecret("hmac_secret");
    settings.headers = ReadHeaders(spec["headers"]);
    settings.templates = ReadTemplates(spec["templates"]);
    if (!endpoint || spec.diagnostics().items().size() != errors_before) return std::nullopt;
    settings.endpoint = std::move(*endpoint);
    if (settings.hmac_secret) settings.endpoint.redactor.Add(settings.hmac_secret->Reveal());
    // Header values often carry credentials (Authorization); a receiver echoing them stays masked.
    for (const auto& [name, value] : settings.headers) settings.endpoint.redactor.Add(value);
    return BuiltNotifier{std::make_shared<const WebhookNotifier>(std::move(settings)), std::nullopt};
  };
}

}  // namespace runbookd::notify::webhook
