#include "daemon/notify/pagerduty/pagerduty_notifier.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/notify/endpoint.hpp"
#include "daemon/notify/pagerduty/pagerduty_event.hpp"

namespace runbookd::notify::pagerduty {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::string_view kDefaultUrl = "https://events.pagerduty.com/v2/enqueue";
const std::vector<std::string> kPagerDutySeverities = {"critical", "error", "warning", "info"};

struct PagerDutySettings {
  Endpoint endpoint;
  EventSettings event;
};

// PagerDuty's 400 answer is {"status": "invalid event", "message": "...", "errors": ["..."]}; its
// message and errors say what was wrong. Any other body is quoted as it is.
std::string ServiceText(const std::string& body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return body;
  const json::object& o = parsed.get_object();
  std::string text;
  if (const json::value* message = o.if_contains("message"); message && message->is_string()) {
    text = std::string(message->get_string());
  }
  if (const json::value* errors = o.if_contains("errors"); errors && errors->is_array()) {
    for (const json::value& e : errors->get_array()) {
      if (!e.is_string()) continue;
      text += (text.empty() ? "" : "; ") + std::string(e.get_string());
    }
  }
  return text.empty() ? body : text;
}

class PagerDutyNotifier final : public Notifier {
 public:
  explicit PagerDutyNotifier(PagerDutySettings settings) : settings_(std::move(settings)) {}

  asio::awaitable<NotifyResult> Send(const NotifyContext& ctx, const Notification& n) const override {
    std::optional<json::object> event = MakeEvent(n, settings_.event);
    if (!event) {
      NotifyResult skipped;
      skipped.ok = true;
      skipped.skipped = true;
      skipped.detail = "skipped";
      co_return skipped;
    }
    std::string body = json::serialize(*event);
    Headers headers;
    const http_client::Response response =
        co_await PostJson(ctx, settings_.endpoint, std::move(body), std::move(headers));
    co_return Classify(settings_.endpoint, response, Success::kAny2xx, "pagerduty", ServiceText(response.body));
  }

 private:
  const PagerDutySettings settings_;
};

// severity_map: {critical: critical, high: error, ...}, over the default. Its keys are runbookd's
// severities; reading each one declares it, so another key is an unknown-key error.
void ReadSeverityMap(const config::Node& node, std::map<std::string, std::string, std::less<>>& map) {
  if (!node.defined()) return;
  if (!node.is_map()) {
    node.Error("expected a mapping from a rule severity to a PagerDuty severity");
    return;
  }
  for (auto& [severity, mapped] : map) {
    const config::Node value = node[severity];
    if (value.defined()) mapped = value.AsEnum(kPagerDutySeverities, mapped);
  }
}

}  // namespace

NotifierFactory MakeNotifierFactory() {
  return [](const config::Node& spec, const NotifierDeps&) -> std::optional<BuiltNotifier> {
    if (!spec.defined() || !spec.is_map()) {
      spec.Error("the pagerduty notifier needs a spec with at least \"routing_key_file\"");
      return std::nullopt;
    }
    const size_t errors_before = spec.diagnostics().items().size();
    PagerDutySettings settings;
    const bool given_inline = RejectInlineSecret(spec, "routing_key");
    std::optional<config::Secret> routing_key = spec.ReadSecret("routing_key");
    if (!routing_key && !given_inline && !spec["routing_key_file"].defined() && !spec["routing_key_env"].defined()) {
      spec.Error("missing required key \"routing_key_file\"");
    }
    const config::Node url = spec["url"];
    std::optional<Endpoint> endpoint = MakeEndpoint(url, url.AsString(std::string(kDefaultUrl)), false);
    settings.event.severity_map = DefaultSeverityMap();
    ReadSeverityMap(spec["severity_map"], settings.event.severity_map);
    settings.event.templates = ReadTemplates(spec["templates"]);
    if (!routing_key || !endpoint || spec.diagnostics().items().size() != errors_before) return std::nullopt;
    settings.endpoint = std::move(*endpoint);
    // The key travels in the body; a 400 that echoes the event must not carry it into a detail.
    settings.endpoint.redactor.Add(routing_key->Reveal());
    settings.event.routing_key = std::move(*routing_key);
    return BuiltNotifier{std::make_shared<const PagerDutyNotifier>(std::move(settings)), std::nullopt};
  };
}

}  // namespace runbookd::notify::pagerduty
