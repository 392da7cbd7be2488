// `notifiers:` items: core keys, the explicit type list, duplicate names and each type's required
// secrets, all reported at their node.
#include <catch2/catch.hpp>

#include "daemon/notify/notifier_settings.hpp"
#include "daemon/notify/notifiers.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace runbookd::notify;

namespace {

struct Read {
  std::vector<NotifierSettings> notifiers;
  std::string errors;
};

Read ReadYaml(const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "runbookd.yaml", diags);
  Read out;
  out.notifiers = ReadNotifiers(doc.root()["notifiers"], NotifierDeps{});
  doc.CheckUnknownKeys();
  out.errors = diags.Format();
  return out;
}

}  // namespace

TEST_CASE("notifier settings: the three types from one list") {
  testing::TempDir dir;
  const std::string url = dir.Write("slack-url", "https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXXXXXX\n");
  const std::string signing = dir.Write("slack-signing", "0123456789abcdef\n");
  const std::string key = dir.Write("pd-key", "R0UT1NGKEY0123456789abcdefABCDEF\n");
  const Read r = ReadYaml(
      "notifiers:\n"
      "  - name: chat\n"
      "    type: slack\n"
      "    labels: {team: sre}\n"
      "    spec:\n"
      "      webhook_url_file: " +
      url +
      "\n"
      "      channel: \"#incidents\"\n"
      "      app: {signing_secret_file: " +
      signing +
      "}\n"
      "      templates: {opened: \"{{summary}}\"}\n"
      "  - name: pager\n"
      "    type: pagerduty\n"
      "    spec: {routing_key_file: " +
      key +
      "}\n"
      "  - name: audit\n"
      "    type: webhook\n"
      "    spec: {url: \"http://127.0.0.1:9/hook\"}\n");
  INFO(r.errors);
  CHECK(r.errors.empty());
  REQUIRE(r.notifiers.size() == 3);
  CHECK(r.notifiers[0].name == "chat");
  CHECK(r.notifiers[0].type == "slack");
  CHECK(r.notifiers[0].labels == std::map<std::string, std::string>{{"team", "sre"}});
  REQUIRE(r.notifiers[0].slack_signing_secret);
  CHECK(r.notifiers[0].slack_signing_secret->Reveal() == "0123456789abcdef");
  CHECK(r.notifiers[1].type == "pagerduty");
  CHECK_FALSE(r.notifiers[1].slack_signing_secret);
  CHECK(r.notifiers[2].type == "webhook");
  for (const auto& n : r.notifiers) CHECK(n.notifier != nullptr);
  CHECK(NotifierTypes() == std::vector<std::string>{"pagerduty", "slack", "webhook"});
}

TEST_CASE("notifier settings: duplicate names and unknown types") {
  const Read r = ReadYaml(
      "notifiers:\n"
      "  - {name: audit, type: webhook, spec: {url: \"http://127.0.0.1:9/\"}}\n"
      "  - {name: audit, type: webhook, spec: {url: \"http://127.0.0.1:9/\"}}\n"
      "  - {name: chat, type: slak, spec: {}}\n"
      "  - {name: \"bad name\", type: webhook, spec: {url: \"http://127.0.0.1:9/\"}}\n"
      "  - {name: nospec, type: webhook}\n");
  CHECK(r.errors.find("notifiers[1].name: duplicate notifier name \"audit\"") != std::string::npos);
  CHECK(r.errors.find("notifiers[2].type: unknown notifier type \"slak\" (did you mean \"slack\"?)") !=
        std::string::npos);
  CHECK(r.errors.find("notifiers[3].name: invalid name \"bad name\"") != std::string::npos);
  CHECK(r.errors.find("notifiers[4]: missing required key \"spec\"") != std::string::npos);
  REQUIRE(r.notifiers.size() == 1);
  CHECK(r.notifiers[0].name == "audit");
}

TEST_CASE("notifier settings: a broken first item still makes a later one a duplicate") {
  const Read r = ReadYaml(
      "notifiers:\n"
      "  - {name: pager, type: pagerduty, spec: {url: \"http://127.0.0.1:9/\"}}\n"
      "  - {name: pager, type: webhook, spec: {url: \"http://127.0.0.1:9/\"}}\n");
  CHECK(r.errors.find("missing required key \"routing_key_file\"") != std::string::npos);
  CHECK(r.errors.find("duplicate notifier name \"pager\"") != std::string::npos);
  CHECK(r.notifiers.empty());
}

TEST_CASE("notifier settings: slack needs its webhook URL file, and app needs a signing secret") {
  testing::TempDir dir;
  const std::string url = dir.Write("slack-url", "https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXXXXXX\n");
  const Read missing = ReadYaml("notifiers:\n  - {name: chat, type: slack, spec: {channel: x}}\n");
  CHECK(missing.errors.find("notifiers[0].spec: missing required key \"webhook_url_file\"") != std::string::npos);
  const Read plain = ReadYaml("notifiers:\n  - {name: chat, type: slack, spec: {webhook_url: \"https://x/\"}}\n");
  CHECK(plain.errors.find("spec.webhook_url: webhook_url is a secret: put it in a file and give webhook_url_file") !=
        std::string::npos);
  CHECK(plain.errors.find("missing required key") == std::string::npos);
  const Read app =
      ReadYaml("notifiers:\n  - {name: chat, type: slack, spec: {webhook_url_file: " + url + ", app: {}}}\n");
  CHECK(app.errors.find("missing required key \"signing_secret_file\"") != std::string::npos);
  const Read bad_url = ReadYaml(
      "notifiers:\n  - {name: chat, type: slack, spec: {webhook_url_file: " + dir.Write("u", "nope\n") + "}}\n");
  CHECK(bad_url.errors.find("the URL (not shown: it is a secret)") != std::string::npos);
  CHECK(bad_url.errors.find("nope") == std::string::npos);
  CHECK(bad_url.notifiers.empty());
}
