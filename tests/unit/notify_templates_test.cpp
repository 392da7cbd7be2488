// Notification templates: the defaults (modelled on the runbooks' communication templates), a
// notifier's overrides, and their config errors.
#include <catch2/catch.hpp>

#include "config/node.hpp"
#include "daemon/notify/templates.hpp"

using namespace runbookd;
using namespace runbookd::notify;

namespace {

Notification Opened() {
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.incident_id = 12;
  n.dedup_key = "runbookd-incident-12";
  n.rule = "APIEndpointDown";
  n.severity = "critical";
  n.state = "open";
  n.summary = "APIEndpointDown: backend-endpoints unhealthy";
  n.labels = {{"service", "ecommerce-backend"}, {"namespace", "production"}};
  n.opened_at = WallTime(std::chrono::seconds(1714554000));  // 2024-05-01T09:00:00Z
  n.at = n.opened_at;
  return n;
}

// Stands for a markup escape: only values pass through it.
std::string Bracket(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '<') c = '[';
  }
  return out;
}

// Reads `templates:` from YAML; the diagnostics, formatted.
std::string Read(const std::string& yaml, Templates& out) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  out = ReadTemplates(doc.root()["templates"]);
  doc.CheckUnknownKeys();
  return diags.Format();
}

}  // namespace

TEST_CASE("templates: the initial notice says what, since when and where") {
  const RenderedMessage m = Templates().Render(Opened());
  CHECK(m.title == "\U0001F6A8 [critical] INCIDENT #12 - APIEndpointDown");
  CHECK(m.text ==
        "Status: Investigating\n"
        "Impact: APIEndpointDown: backend-endpoints unhealthy\n"
        "Started: 2024-05-01T09:00:00Z\n"
        "Labels: service=ecommerce-backend, namespace=production");  // no URL configured: that line is left out
}

TEST_CASE("templates: the resolution gives duration and root cause") {
  Notification n = Opened();
  n.kind = NotificationKind::kResolved;
  n.state = "resolved";
  n.at = n.opened_at + std::chrono::seconds(3723);
  n.duration = std::chrono::seconds(3723);
  n.root_cause = "deployment revision 42 rolled back";
  n.incident_url = "https://runbookd.example.com/incidents/12";
  const RenderedMessage m = Templates().Render(n);
  CHECK(m.title == "\u2705 [critical] INCIDENT #12 - APIEndpointDown RESOLVED");
  CHECK(m.text ==
        "Duration: 1h 2m 3s\n"
        "Root cause: deployment revision 42 rolled back\n"
        "Impact: APIEndpointDown: backend-endpoints unhealthy\n"
        "Opened: 2024-05-01T09:00:00Z, resolved: 2024-05-01T10:02:03Z\n"
        "Details: https://runbookd.example.com/incidents/12");
  n.root_cause.clear();
  CHECK(Templates().Render(n).text.find("Root cause") == std::string::npos);
}

TEST_CASE("templates: every kind renders a title") {
  for (auto kind : {NotificationKind::kOpened, NotificationKind::kUpdate, NotificationKind::kApprovalRequested,
                    NotificationKind::kActionTaken, NotificationKind::kEscalated, NotificationKind::kResolved}) {
    Notification n = Opened();
    n.kind = kind;
    n.action = "rollback-backend";
    n.approval_id = 3;
    n.outcome = "ok";
    const RenderedMessage m = Templates().Render(n);
    INFO(ToString(kind));
    CHECK_FALSE(m.title.empty());
    CHECK_FALSE(m.text.empty());
    CHECK(m.title.find('\n') == std::string::npos);
  }
}

TEST_CASE("templates: overrides with placeholders, labels and escaping") {
  Templates t;
  const std::string errors = Read(
      "templates:\n"
      "  opened: \"{{ severity }} on {{labels.service}}{{labels.missing}}: {{summary}}\"\n"
      "  resolved: {title: \"fixed #{{incident_id}}\", text: \"took {{duration}}\\nroot cause: {{root_cause}}\"}\n",
      t);
  INFO(errors);
  REQUIRE(errors.empty());
  Notification n = Opened();
  n.summary = "a<b";
  const RenderedMessage m = t.Render(n, Bracket);
  CHECK(m.text == "critical on ecommerce-backend: a[b");                     // escaped values, kept literal text
  CHECK(m.title == "\U0001F6A8 [critical] INCIDENT #12 - APIEndpointDown");  // title kept its default

  n.kind = NotificationKind::kResolved;
  n.duration = std::chrono::seconds(90);
  const RenderedMessage r = t.Render(n);
  CHECK(r.title == "fixed #12");
  CHECK(r.text == "took 1m 30s");  // the root-cause line has no value and is left out
}

TEST_CASE("templates: an unknown placeholder is an error at its node, with a suggestion") {
  Templates t;
  const std::string errors = Read("templates:\n  opened: \"{{sumary}} now\"\n", t);
  CHECK(errors == "t.yaml:2:11: templates.opened: unknown placeholder \"{{sumary}}\" (did you mean \"summary\"?)\n");
}

TEST_CASE("templates: unclosed braces, unknown kinds, multi-line titles, wrong shapes") {
  Templates t;
  CHECK(Read("templates: {opened: \"{{summary\"}\n", t).find("\"{{\" without a closing \"}}\"") != std::string::npos);
  CHECK(Read("templates: {openned: \"x\"}\n", t).find("did you mean \"opened\"") != std::string::npos);
  CHECK(Read("templates: {resolved: {title: \"a\\nb\"}}\n", t).find("a title is one line") != std::string::npos);
  CHECK(Read("templates: {resolved: {titel: \"a\"}}\n", t).find("did you mean \"title\"") != std::string::npos);
  CHECK(Read("templates: {opened: [a]}\n", t).find("expected a template string") != std::string::npos);
  CHECK(Read("templates: [a]\n", t).find("expected a mapping") != std::string::npos);
  CHECK(Read("templates: {opened: \"{{labels.}}\"}\n", t).find("unknown placeholder") != std::string::npos);
}

TEST_CASE("templates: times and durations") {
  CHECK(FormatTime(WallTime{}).empty());
  CHECK(FormatTime(WallTime(std::chrono::seconds(1714554000))) == "2024-05-01T09:00:00Z");
  CHECK(FormatDuration(std::chrono::seconds(0)) == "0s");
  CHECK(FormatDuration(std::chrono::seconds(42)) == "42s");
  CHECK(FormatDuration(std::chrono::seconds(3600)) == "1h");
  CHECK(FormatDuration(std::chrono::seconds(3723)) == "1h 2m 3s");
  CHECK(FormatDuration(std::chrono::seconds(2 * 86400 + 3 * 3600)) == "2d 3h");
  CHECK(PlaceholderNames().back() == "labels.NAME");
}
