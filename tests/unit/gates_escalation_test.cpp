// The escalation ladder and the progress-update cadence.
#include <catch2/catch.hpp>
#include <chrono>

#include "daemon/gates/escalation.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace std::chrono_literals;

namespace {

WallTime At(std::chrono::seconds s) { return WallTime(std::chrono::seconds(1'800'000'000) + s); }

EscalationSettings Ladder() {
  EscalationSettings s;
  s.update_every = 30min;
  s.ladders["critical"].steps = {{0s, {"pagerduty-oncall"}}, {5min, {"pagerduty-lead"}}, {15min, {"slack-managers"}}};
  s.ladders["warning"].steps = {{10min, {"slack-oncall"}}};
  s.ladders["warning"].update_every = 2h;
  return s;
}

EscalationProgress Opened(const std::string& severity) {
  EscalationProgress p;
  p.severity = severity;
  p.opened_at = At(0s);
  return p;
}

// What the daemon does on each wake-up: send what is due, remember it.
std::vector<std::string> Send(const EscalationSettings& s, EscalationProgress& p, WallTime now) {
  std::vector<std::string> sent;
  for (const DueStep& due : DueSteps(s, p, now)) {
    for (const auto& name : due.step.notify) sent.push_back(name);
    p.steps_sent = due.index + 1;
  }
  return sent;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("escalation: steps fall due at 0, 5 and 15 minutes, each once") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  CHECK(NextDue(s, p) == At(0s));
  CHECK(Send(s, p, At(0s)) == Names{"pagerduty-oncall"});
  CHECK(Send(s, p, At(0s)).empty());
  CHECK(NextDue(s, p) == At(5min));
  CHECK(Send(s, p, At(4min + 59s)).empty());
  CHECK(Send(s, p, At(5min)) == Names{"pagerduty-lead"});
  CHECK(Send(s, p, At(6min)).empty());
  CHECK(NextDue(s, p) == At(15min));
  CHECK(Send(s, p, At(15min)) == Names{"slack-managers"});
  CHECK_FALSE(NextDue(s, p));
  CHECK(Send(s, p, At(2h)).empty());
}

TEST_CASE("escalation: a late wake-up sends every overdue step, in order, once") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  p.steps_sent = 1;
  const auto due = DueSteps(s, p, At(20min));
  REQUIRE(due.size() == 2);
  CHECK(due[0].index == 1);
  CHECK(due[1].index == 2);
  CHECK(Send(s, p, At(20min)) == Names{"pagerduty-lead", "slack-managers"});
  CHECK(Send(s, p, At(21min)).empty());
}

TEST_CASE("escalation: an acknowledgement stops the ladder") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  CHECK(Send(s, p, At(0s)) == Names{"pagerduty-oncall"});
  p.acked_at = At(3min);
  CHECK(Send(s, p, At(5min)).empty());
  CHECK(Send(s, p, At(15min)).empty());
  CHECK_FALSE(NextDue(s, p));
}

TEST_CASE("escalation: resolution stops the ladder and the updates") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  CHECK(Send(s, p, At(0s)) == Names{"pagerduty-oncall"});
  p.resolved = true;
  CHECK(Send(s, p, At(20min)).empty());
  CHECK_FALSE(NextDue(s, p));
  CHECK_FALSE(NextUpdate(s, p));
  CHECK_FALSE(UpdateDue(s, p, At(3h)));
  CHECK_FALSE(NextWakeUp(s, p));
}

TEST_CASE("escalation: a severity without a ladder notifies nobody") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("info");
  CHECK(DueSteps(s, p, At(1h)).empty());
  CHECK_FALSE(NextDue(s, p));
  CHECK(NextUpdate(s, p) == At(30min));  // the global cadence still applies
}

TEST_CASE("escalation: progress updates at their cadence, one after a long gap") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  CHECK(NextUpdate(s, p) == At(30min));
  CHECK_FALSE(UpdateDue(s, p, At(29min)));
  CHECK(UpdateDue(s, p, At(30min)));
  p.last_update_at = At(2h);  // the daemon was down: one update, then the cadence from there
  CHECK(NextUpdate(s, p) == At(2h + 30min));
  CHECK_FALSE(UpdateDue(s, p, At(2h + 1min)));
  p.acked_at = At(3min);  // acknowledgement stops the ladder, not the updates
  CHECK(UpdateDue(s, p, At(2h + 30min)));

  EscalationProgress warning = Opened("warning");
  CHECK(NextUpdate(s, warning) == At(2h));  // the severity's own cadence
}

TEST_CASE("escalation: updates go to everyone notified so far, once each") {
  EscalationSettings s = Ladder();
  s.ladders["critical"].steps[2].notify = {"slack-managers", "pagerduty-oncall"};
  EscalationProgress p = Opened("critical");
  CHECK(UpdateRecipients(s, p).empty());
  p.steps_sent = 3;
  CHECK(UpdateRecipients(s, p) == Names{"pagerduty-oncall", "pagerduty-lead", "slack-managers"});
}

TEST_CASE("escalation: the next wake-up is the earlier of the next step and the next update") {
  const EscalationSettings s = Ladder();
  EscalationProgress p = Opened("critical");
  p.steps_sent = 2;
  CHECK(NextWakeUp(s, p) == At(15min));
  p.steps_sent = 3;
  CHECK(NextWakeUp(s, p) == At(30min));
}
