// The action pipeline's stages with a scripted action, a real store and lambdas for the gates.
#include "daemon/engine/action_pipeline.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/store/store.hpp"
#include "daemon/store/store_writer.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Plans a rollback of production/web bound to `version`; Execute counts and runs `on_execute`.
class ScriptedAction final : public Action {
 public:
  std::string version = "100";
  mutable int executes = 0;
  std::function<void()> on_execute;

  ActionRisk risk() const override { return ActionRisk::kReversible; }
  asio::awaitable<ActionPlan> Plan(const ActionContext&, const ActionParams&) const override {
    ActionPlan plan;
    plan.type = "scripted";
    plan.target = "production/deployment/web";
    plan.summary = "roll back production/web";
    plan.observed = boost::json::array{{{"kind", "Deployment"}, {"name", "web"}, {"resourceVersion", version}}};
    co_return plan;
  }
  asio::awaitable<Outcome> Execute(const ActionContext&, const ActionPlan&) const override {
    ++executes;
    if (on_execute) on_execute();
    co_return Outcome::Ok("rolled back");
  }
};

struct Harness {
  testing::TempDir dir;
  testing::ManualClock clock;
  asio::io_context io;
  DaemonMetrics metrics{"test"};
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("test");
  std::unique_ptr<store::StoreWriter> writer;
  std::unique_ptr<ActionRunner> runner;
  std::unique_ptr<ActionPipeline> pipeline;
  std::shared_ptr<ScriptedAction> action = std::make_shared<ScriptedAction>();
  const IncidentKey key{"APIEndpointDown", ""};

  std::optional<IncidentView> incident = IncidentView{7, true, std::nullopt, {{"service", "web"}}, "critical", {}, 1};
  GateDecision budget = GateDecision::Allow("budget");
  GateDecision freeze = GateDecision::Allow("freeze");
  GateDecision silence = GateDecision::Allow("silence");
  std::vector<store::TimelineEntry> timeline;
  std::vector<Notification> notifications;
  std::vector<store::IncidentState> states;
  int runs_recorded = 0;
  std::optional<GateDecision> approval_decision;
  std::vector<std::string> invalidated;
  std::unique_ptr<asio::steady_timer> approval_signal;

  explicit Harness(bool approval_required = false, bool dry_run = false) {
    auto opened = store::Store::Open(dir.path() + "/runbookd.db");
    REQUIRE(opened.ok());
    // Intents reference their incident's row.
    auto row = opened->OpenIncident(store::NewIncident{key.rule, key.group_key, {}, "critical", clock.WallNow()});
    REQUIRE(row.ok());
    incident->id = row->id;
    writer = std::make_unique<store::StoreWriter>(std::move(*opened), io.get_executor());
    runner = std::make_unique<ActionRunner>(io.get_executor(), clock, *writer, metrics, logger);
    pipeline = std::make_unique<ActionPipeline>(io.get_executor(), clock, *runner, metrics, logger);
    approval_signal = std::make_unique<asio::steady_timer>(io);
    PipelinePorts ports;
    ports.incident = [this](const IncidentKey&) { return incident; };
    ports.silence = [this](const GateRequest&) { return silence; };
    ports.budget = [this](const GateRequest&) { return budget; };
    ports.freeze = [this](const GateRequest&) { return freeze; };
    ports.record_run = [this](const GateRequest&) { ++runs_recorded; };
    ports.request_approval = [this](const GateRequest&, const ActionPlan&) -> asio::awaitable<ApprovalTicket> {
      co_return ApprovalTicket{42, clock.WallNow() + 15min, ""};
    };
    ports.await_approval = [this](int64_t) -> asio::awaitable<GateDecision> {
      while (!approval_decision) {
        approval_signal->expires_after(1h);
        boost::system::error_code ec;
        co_await approval_signal->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      co_return *approval_decision;
    };
    ports.invalidate_approval = [this](int64_t, const std::string& why) { invalidated.push_back(why); };
    ports.notify = [this](Notification n) { notifications.push_back(std::move(n)); };
    ports.timeline = [this](store::TimelineEntry e) { timeline.push_back(std::move(e)); };
    ports.set_state = [this](store::IncidentId, store::IncidentState s) { states.push_back(s); };
    pipeline->SetPorts(std::move(ports));

    PipelineSettings settings;
    settings.bake_time = 1ms;
    PipelineAction a{"rollback-web", "scripted", action, ActionRisk::kReversible, approval_required, dry_run, 1min, {}};
    settings.actions["rollback-web"] = a;
    rules::Rule rule;
    rule.name = "APIEndpointDown";
    rule.then = {rules::ActionStep{"rollback-web", std::nullopt}};
    settings.rules["APIEndpointDown"] = rule;
    pipeline->SetSettings(std::move(settings));
    // Executing fixes the symptom unless a test says otherwise.
    action->on_execute = [this] { incident->matching = false; };
  }
  ~Harness() {
    pipeline->Stop();
    writer->Stop();
  }

  // Runs the loop until `done` holds (bounded): the store's commits happen on its own thread, so
  // "nothing to run right now" does not mean "finished".
  bool RunUntil(const std::function<bool()>& done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
      io.restart();
      io.run_for(5ms);
    }
    return done();
  }

  // Starts one automatic attempt; the result is set when it ends.
  std::shared_ptr<std::optional<AttemptResult>> Start(
      bool dry_run = false, std::optional<std::pair<int64_t, std::string>> approved = std::nullopt) {
    auto out = std::make_shared<std::optional<AttemptResult>>();
    AttemptRequest req{"rollback-web", {}, key, "rule:APIEndpointDown", dry_run, true, approved};
    asio::co_spawn(io, pipeline->Attempt(std::move(req)), [out](std::exception_ptr e, AttemptResult r) {
      if (e) std::rethrow_exception(e);
      *out = std::move(r);
    });
    return out;
  }

  void Decide(GateDecision d) {
    approval_decision = std::move(d);
    approval_signal->cancel();
  }
  bool Pending() {
    return RunUntil([this] { return !notifications.empty(); });
  }
  bool Finished(const std::shared_ptr<std::optional<AttemptResult>>& r) {
    return RunUntil([&r] { return r->has_value(); });
  }

  bool TimelineHas(const std::string& text) const {
    for (const auto& e : timeline) {
      if (e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

std::vector<std::string> Gates(const AttemptResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.decisions) out.push_back(d.gate + ":" + std::string(ToString(d.verdict)));
  return out;
}

}  // namespace

TEST_CASE("pipeline: an action that needs no approval passes every stage runs once and is verified fixed") {
  Harness h;
  auto r = h.Start();
  REQUIRE(h.Finished(r));
  const AttemptResult& result = **r;
  CHECK(result.end == AttemptEnd::kExecuted);
  CHECK(h.action->executes == 1);
  CHECK(result.verification == Verification::kFixed);
  CHECK(Gates(result) == std::vector<std::string>{"dedup:allow", "silence:allow", "budget:allow", "freeze:allow",
                                                  "dependency:allow", "approval:allow", "revalidate:allow"});
  CHECK(h.runs_recorded == 1);
  CHECK(h.TimelineHas("planned rollback-web: roll back production/web"));
  CHECK(h.TimelineHas("verification of rollback-web: fixed"));
  CHECK(h.states == std::vector<store::IncidentState>{store::IncidentState::kMitigating});
  CHECK(result.run.intent_id.has_value());
}

TEST_CASE("pipeline: approval pending then approved executes exactly once") {
  Harness h(/*approval_required=*/true);
  auto r = h.Start();
  REQUIRE(h.Pending());
  CHECK_FALSE(r->has_value());
  CHECK(h.action->executes == 0);
  REQUIRE(h.notifications.size() == 1);
  CHECK(h.notifications[0].kind == NotificationKind::kApprovalRequested);
  CHECK(h.notifications[0].approval_id == 42);
  CHECK(h.TimelineHas("approval pending: approval 42 requested"));
  h.Decide(GateDecision::Allow("approval", "approved by alice"));
  REQUIRE(h.Finished(r));
  CHECK((*r)->end == AttemptEnd::kExecuted);
  CHECK(h.action->executes == 1);
  CHECK((*r)->approval_id == 42);
}

TEST_CASE("pipeline: a denied or expired approval runs nothing and escalates") {
  Harness h(true);
  auto r = h.Start();
  REQUIRE(h.Pending());
  h.Decide(GateDecision::Deny("approval", "approval 42 expired"));
  REQUIRE(h.Finished(r));
  CHECK((*r)->end == AttemptEnd::kDenied);
  CHECK((*r)->escalate);
  CHECK(h.action->executes == 0);
  CHECK(h.runs_recorded == 0);
}

TEST_CASE("pipeline: an approved plan whose target changed meanwhile is refused and the approval invalidated") {
  Harness h(true);
  auto r = h.Start();
  REQUIRE(h.Pending());
  h.action->version = "101";  // someone scaled the Deployment while the approver was reading
  h.Decide(GateDecision::Allow("approval"));
  REQUIRE(h.Finished(r));
  CHECK((*r)->end == AttemptEnd::kDenied);
  CHECK(h.action->executes == 0);
  // The refusal names what changed.
  CHECK(h.invalidated ==
        std::vector<std::string>{
            "the target changed since the plan (Deployment web (resourceVersion 100 -> 101)); plan again"});
  CHECK(h.TimelineHas("revalidate deny: the target changed since the plan"));
}

TEST_CASE("pipeline: a symptom that cleared while waiting for approval is not acted on") {
  Harness h(true);
  auto r = h.Start();
  REQUIRE(h.Pending());
  h.incident->matching = false;
  h.Decide(GateDecision::Allow("approval"));
  REQUIRE(h.Finished(r));
  CHECK((*r)->end == AttemptEnd::kDenied);
  CHECK((*r)->reason == "the symptom no longer holds");
  CHECK(h.action->executes == 0);
}

TEST_CASE("pipeline: budget freeze silence and dependency gates stop the run before execution") {
  Harness h;
  SECTION("budget exhausted opens the circuit and escalates") {
    h.budget = GateDecision::Deny("budget", "budget for rule APIEndpointDown exhausted", true);
    auto r = h.Start();
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kDenied);
    CHECK((*r)->escalate);
  }
  SECTION("freeze") {
    h.freeze = GateDecision::Deny("freeze", "7 of 10 probes unhealthy", true);
    auto r = h.Start();
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kDenied);
    CHECK(Gates(**r).back() == "freeze:deny");
  }
  SECTION("silence") {
    h.silence = GateDecision::Deny("silence", "silenced by 3");
    auto r = h.Start();
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kDenied);
    CHECK_FALSE((*r)->escalate);
  }
  SECTION("dependency") {
    h.incident->suppressed_by = "DatabaseDown";
    auto r = h.Start();
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kDenied);
    CHECK((*r)->reason == "suppressed while DatabaseDown is down");
  }
  CHECK(h.action->executes == 0);
  CHECK(h.runs_recorded == 0);
}

TEST_CASE("pipeline: dry run passes every stage records would-act and changes nothing") {
  Harness h(/*approval_required=*/true, /*dry_run=*/true);
  auto r = h.Start();
  REQUIRE(h.Finished(r));
  CHECK((*r)->end == AttemptEnd::kDryRun);
  CHECK(h.action->executes == 0);
  CHECK(h.runs_recorded == 0);
  CHECK(h.notifications.empty());
  CHECK(h.TimelineHas("would have run rollback-web"));
}

TEST_CASE("pipeline: a second attempt on the same target while the first waits is refused by dedup") {
  Harness h(true);
  auto first = h.Start();
  REQUIRE(h.Pending());
  auto second = h.Start();
  REQUIRE(h.Finished(second));
  CHECK((*second)->end == AttemptEnd::kBusy);
  h.Decide(GateDecision::Allow("approval"));
  REQUIRE(h.Finished(first));
  CHECK((*first)->end == AttemptEnd::kExecuted);
  CHECK(h.action->executes == 1);
}

TEST_CASE("pipeline: an incident whose steps do not fix it escalates") {
  Harness h;
  h.action->on_execute = nullptr;  // the symptom stays
  IncidentEvent opened;
  opened.kind = IncidentEvent::Kind::kOpened;
  opened.key = h.key;
  h.pipeline->OnIncidentEvent(opened, h.incident->id);
  REQUIRE(h.RunUntil([&h] { return h.TimelineHas("escalated"); }));
  CHECK(h.action->executes == 1);
  CHECK(h.TimelineHas("verification of rollback-web: no_effect"));
  CHECK(h.TimelineHas("escalated: no step of APIEndpointDown fixed it"));
  REQUIRE_FALSE(h.notifications.empty());
  CHECK(h.notifications.back().kind == NotificationKind::kEscalated);
  CHECK(h.states.back() == store::IncidentState::kEscalated);
  CHECK(h.pipeline->sequences_running() == 0);
}

TEST_CASE("pipeline: an approval given before a restart lets the same plan through and refuses a changed one") {
  Harness h(/*approval_required=*/true);
  // The hash of the plan as it is now, as the approval recorded it.
  ActionPlan now;
  {
    auto planned = std::make_shared<std::optional<ActionPlan>>();
    ActionRunRequest run{"rollback-web", h.action, {}, false, 1min, std::nullopt, "test"};
    asio::co_spawn(h.io, h.runner->Plan(run), [planned](std::exception_ptr, ActionPlan p) { *planned = std::move(p); });
    REQUIRE(h.RunUntil([&] { return planned->has_value(); }));
    now = **planned;
    now.action = "rollback-web";
  }
  SECTION("same plan") {
    auto r = h.Start(false, std::make_pair(int64_t{9}, now.Hash()));
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kExecuted);
    CHECK(h.notifications.empty() == false);  // the action report, no new approval request
    CHECK(h.notifications.front().kind == NotificationKind::kActionTaken);
    CHECK(h.action->executes == 1);
  }
  SECTION("changed plan") {
    h.action->version = "101";
    auto r = h.Start(false, std::make_pair(int64_t{9}, now.Hash()));
    REQUIRE(h.Finished(r));
    CHECK((*r)->end == AttemptEnd::kDenied);
    CHECK(h.invalidated == std::vector<std::string>{"the plan changed since it was approved"});
    CHECK(h.action->executes == 0);
  }
}
