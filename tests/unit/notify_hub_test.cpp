// NotifyHub: who hears what, and when. The escalation ladder climbs on time until a human
// acknowledges the incident; the acknowledgement goes to everyone told so far; progress updates go
// on after it; a restored acknowledgement keeps the ladder stopped. A ManualClock moves the time;
// the hub's one-second tick runs on a real io_context, and each check waits for a state, not a time.
#include "daemon/app/notify_hub.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <optional>

#include "daemon/engine/daemon_metrics.hpp"
#include "tests/support/manual_clock.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Records what it was asked to send, under its own name.
class RecordingNotifier final : public Notifier {
 public:
  struct Sent {
    NotificationKind kind;
    int64_t incident_id;
    std::string text;
    std::string dedup_key;
  };
  asio::awaitable<NotifyResult> Send(const NotifyContext&, const Notification& n) const override {
    std::lock_guard lock(mu_);
    sent_.push_back(Sent{n.kind, n.incident_id, n.text, n.dedup_key});
    co_return NotifyResult{.ok = true};
  }
  std::vector<Sent> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  size_t Count(NotificationKind kind, int64_t incident) const {
    size_t n = 0;
    for (const auto& s : sent()) n += s.kind == kind && s.incident_id == incident;
    return n;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<Sent> sent_;
};

struct HubFixture {
  asio::io_context io;
  testing::ManualClock clock;
  DaemonMetrics metrics{"test"};
  std::shared_ptr<RecordingNotifier> oncall = std::make_shared<RecordingNotifier>();
  std::shared_ptr<RecordingNotifier> lead = std::make_shared<RecordingNotifier>();
  NotifyHub hub{io.get_executor(), clock, metrics,
                std::make_shared<spdlog::logger>("hub", std::make_shared<spdlog::sinks::null_sink_mt>())};

  // critical: on-call at 0, the lead after 5 minutes; updates every 30 minutes.
  explicit HubFixture(bool configure = true) {
    if (configure) Configure();
  }
  void Configure() {
    gates::EscalationSettings escalation;
    escalation.update_every = 30min;
    escalation.ladders["critical"].steps = {gates::EscalationStep{0ms, {"oncall"}},
                                            gates::EscalationStep{5min, {"lead"}}};
    hub.SetConfig({notify::NotifierSettings{"oncall", "test", {}, oncall, {}},
                   notify::NotifierSettings{"lead", "test", {}, lead, {}}},
                  escalation);
    hub.Start();
  }
  ~HubFixture() { hub.Stop(); }

  void Open(store::IncidentId id, std::optional<std::string> suppressed_by = std::nullopt) {
    Event(IncidentEvent::Kind::kOpened, id, std::move(suppressed_by));
  }
  void Event(IncidentEvent::Kind kind, store::IncidentId id, std::optional<std::string> suppressed_by = std::nullopt) {
    IncidentEvent e;
    e.kind = kind;
    e.suppressed_by = std::move(suppressed_by);
    e.key = IncidentKey{"APIEndpointDown", std::to_string(id)};
    e.severity = rules::Severity::kCritical;
    e.at = clock.WallNow();
    e.opened_at = opened_at.emplace(id, e.at).first->second;
    e.message = "api-endpoint unhealthy";
    hub.OnIncidentEvent(e, id);
  }
  std::map<store::IncidentId, WallTime> opened_at;

  // Runs the loop until `done` holds (the tick runs once a second); false after 10 s.
  template <typename F>
  bool RunUntil(F done) {
    for (int i = 0; i < 100 && !done(); ++i) {
      io.restart();
      io.run_for(100ms);
    }
    return done();
  }
};

}  // namespace

TEST_CASE("notify hub: the ladder climbs until acknowledged, and the acknowledgement tells everyone told so far") {
  HubFixture f;
  f.Open(1);
  f.Open(2);
  REQUIRE(f.RunUntil([&] { return f.oncall->Count(NotificationKind::kOpened, 1) == 1; }));
  CHECK(f.lead->sent().empty());  // the lead's rung is 5 minutes away

  f.clock.Advance(1min);
  f.hub.Acknowledge(1, "acknowledged by alice: looking at the rollout", f.clock.WallNow());
  CHECK(f.hub.acknowledged(1) == std::optional(true));
  CHECK(f.hub.acknowledged(2) == std::optional(false));
  CHECK(f.hub.acknowledged(3) == std::nullopt);
  REQUIRE(f.RunUntil([&] { return f.oncall->Count(NotificationKind::kAcknowledged, 1) == 1; }));
  const auto acked = f.oncall->sent().back();
  CHECK(acked.text == "acknowledged by alice: looking at the rollout");
  CHECK(acked.dedup_key == "runbookd-incident-1");                // PagerDuty acknowledges the page it opened
  CHECK(f.lead->Count(NotificationKind::kAcknowledged, 1) == 0);  // not told before, not told now

  // Past the lead's rung: incident 2 (not acknowledged) reaches the lead, incident 1 does not.
  f.clock.Advance(5min);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kEscalated, 2) == 1; }));
  CHECK(f.lead->Count(NotificationKind::kEscalated, 1) == 0);

  // A second acknowledgement changes nothing and sends nothing.
  f.hub.Acknowledge(1, "acknowledged by bob", f.clock.WallNow());
  // Progress updates go on after the acknowledgement, to everyone told so far.
  f.clock.Advance(30min);
  REQUIRE(f.RunUntil([&] { return f.oncall->Count(NotificationKind::kUpdate, 1) == 1; }));
  CHECK(f.oncall->Count(NotificationKind::kAcknowledged, 1) == 1);
  CHECK(f.lead->Count(NotificationKind::kUpdate, 1) == 0);
}

TEST_CASE("notify hub: an incident restored as acknowledged does not climb its ladder again") {
  HubFixture f;
  const WallTime opened = f.clock.WallNow();
  f.hub.Restore(7, IncidentKey{"APIEndpointDown", "7"}, "critical", {}, opened, opened + 1min);
  f.hub.Restore(8, IncidentKey{"APIEndpointDown", "8"}, "critical", {}, opened);
  CHECK(f.hub.acknowledged(7) == std::optional(true));
  f.clock.Advance(6min);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kEscalated, 8) == 1; }));
  CHECK(f.lead->Count(NotificationKind::kEscalated, 7) == 0);
}

TEST_CASE("notify hub: an incident suppressed by a dependency is held, and climbs its ladder only once released") {
  HubFixture f;
  f.Open(1, "DatabaseDown");  // opened suppressed: its root cause pages, it does not
  f.Open(2, "DatabaseDown");
  f.Open(3);  // the control: announced at once
  REQUIRE(f.RunUntil([&] { return f.oncall->Count(NotificationKind::kOpened, 3) == 1; }));
  CHECK(f.oncall->Count(NotificationKind::kOpened, 1) == 0);

  // Past the lead's rung: nothing for the held ones. Incident 2 resolves while held: no one hears.
  f.clock.Advance(6min);
  f.Event(IncidentEvent::Kind::kResolved, 2);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kEscalated, 3) == 1; }));
  CHECK(f.lead->Count(NotificationKind::kEscalated, 1) == 0);
  CHECK(f.oncall->Count(NotificationKind::kResolved, 2) == 0);

  // Released: announced now to the first rung; the lead's rung counts from the release.
  f.Event(IncidentEvent::Kind::kUnsuppressed, 1);
  REQUIRE(f.RunUntil([&] { return f.oncall->Count(NotificationKind::kOpened, 1) == 1; }));
  CHECK(f.lead->Count(NotificationKind::kEscalated, 1) == 0);
  f.clock.Advance(5min);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kEscalated, 1) == 1; }));
  for (const auto& s : f.oncall->sent()) CHECK(s.incident_id != 2);
  for (const auto& s : f.lead->sent()) CHECK(s.incident_id != 2);
}

TEST_CASE("notify hub: incidents restored before the config do not get their past rungs again") {
  HubFixture f(false);
  const WallTime opened = f.clock.WallNow() - 6min;  // the lead's rung was reached before the restart
  f.hub.Restore(4, IncidentKey{"APIEndpointDown", "4"}, "critical", {}, opened);
  f.Configure();
  f.Open(5);
  f.clock.Advance(5min);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kEscalated, 5) == 1; }));
  CHECK(f.oncall->Count(NotificationKind::kEscalated, 4) == 0);
  CHECK(f.lead->Count(NotificationKind::kEscalated, 4) == 0);
  // Its resolution goes to whoever its ladder had reached.
  f.Event(IncidentEvent::Kind::kResolved, 4);
  REQUIRE(f.RunUntil([&] { return f.lead->Count(NotificationKind::kResolved, 4) == 1; }));
  CHECK(f.oncall->Count(NotificationKind::kResolved, 4) == 1);
}
