#include "daemon/ctl/rule_test_runner.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/engine/flap_damper.hpp"
#include "daemon/engine/incident_book.hpp"
#include "daemon/rules/evaluator.hpp"

namespace runbookd::ctl {

namespace {

// Wall time of a test's 0s. Only differences matter to the rules; a fixed instant keeps runs equal.
const WallTime kTestStart{std::chrono::seconds(1'800'000'000)};

// The signals as the daemon's incident manager keeps them: settled probe states, firing alerts.
class SignalState {
 public:
  explicit SignalState(const RuleTestFile& file) {
    for (const auto& [name, declared] : file.probes) {
      dampers_.emplace(name, FlapDamper(declared.fail_after, declared.recover_after));
      snapshot_.probes[name].labels = declared.labels;
      if (declared.initial) Apply(*declared.initial, kTestStart);
    }
  }

  void Apply(const TimedInput& input, WallTime now) {
    std::visit([&](const auto& signal) { Apply(signal, now); }, input.signal);
  }
  const rules::Snapshot& snapshot() const { return snapshot_; }

 private:
  void Apply(const ProbeInput& result, WallTime) {
    FlapDamper& damper = dampers_.at(result.probe);
    damper.Observe(result.status);
    rules::ProbeSignal& signal = snapshot_.probes[result.probe];
    signal.state = damper.state();
    signal.streak = damper.streak();
    signal.streak_status = damper.streak_status();
    signal.last_reason = result.reason;
  }

  // One instance per fingerprint: a repeated firing delivery keeps its startsAt (as Alertmanager
  // sends it); a resolved one removes the firing instance, as the daemon does.
  void Apply(const AlertInput& alert, WallTime now) {
    auto& alerts = snapshot_.alerts;
    auto it = std::find_if(alerts.begin(), alerts.end(),
                           [&](const rules::AlertSignal& a) { return a.fingerprint == alert.fingerprint; });
    if (alert.status == rules::AlertStatus::kResolved) {
      if (it != alerts.end()) alerts.erase(it);
      return;
    }
    const WallTime starts_at = it == alerts.end() ? now : it->starts_at;
    rules::AlertSignal signal{alert.fingerprint, starts_at, alert.labels, alert.annotations,
                              rules::AlertStatus::kFiring};
    if (it == alerts.end()) {
      alerts.push_back(std::move(signal));
    } else {
      *it = std::move(signal);
    }
  }

  // As the daemon's rollout watcher publishes them: the latest facts per Deployment, or none.
  void Apply(const RolloutInput& rollout, WallTime) {
    if (!rollout.known) {
      snapshot_.rollouts.erase(rollout.deployment);
      return;
    }
    rules::RolloutFacts facts;
    facts.revision = rollout.revision;
    facts.began = kTestStart + rollout.began;
    facts.previous_revision = rollout.previous_revision;
    facts.in_progress = rollout.in_progress;
    snapshot_.rollouts[rollout.deployment] = facts;
  }

  std::map<std::string, FlapDamper> dampers_;
  rules::Snapshot snapshot_;
};

// Every incident of the run, resolved ones included, in opening order.
class IncidentLog {
 public:
  void Record(const std::vector<IncidentEvent>& events, const IncidentBook& book) {
    for (const auto& e : events) {
      if (e.kind == IncidentEvent::Kind::kOpened) {
        auto it = book.open().find(e.key);
        IncidentView view{e.key.rule, it == book.open().end() ? rules::LabelSet{} : it->second.group_labels};
        current_[e.key] = incidents_.size();
        incidents_.push_back(std::move(view));
      }
      auto current = current_.find(e.key);
      if (current == current_.end()) continue;  // the book only reports incidents it opened
      IncidentView& view = incidents_[current->second];
      view.events.emplace_back(ToString(e.kind));
      if (e.kind == IncidentEvent::Kind::kResolved) {
        view.state = IncidentState::kResolved;
        current_.erase(current);
      }
    }
    for (const auto& [key, index] : current_) {
      if (auto it = book.open().find(key); it != book.open().end()) {
        incidents_[index].suppressed_by = it->second.suppressed_by;
      }
    }
  }
  const std::vector<IncidentView>& incidents() const { return incidents_; }

 private:
  std::vector<IncidentView> incidents_;
  std::map<IncidentKey, size_t> current_;  // unresolved incidents by key
};

}  // namespace

std::vector<std::vector<IncidentView>> RunRuleTest(const RuleTestFile& file, const RuleTestCase& test) {
  TestTime end{0};
  if (!test.inputs.empty()) end = test.inputs.back().at;
  if (!test.checkpoints.empty()) end = std::max(end, test.checkpoints.back().at);
  std::set<TestTime> evaluations;
  for (TestTime t{0}; t <= end; t += file.evaluation_interval) evaluations.insert(t);
  for (const auto& input : test.inputs) evaluations.insert(input.at);

  SignalState signals(file);
  rules::RuleEvaluator evaluator(file.rules);
  IncidentBook book;
  IncidentLog log;
  std::vector<std::vector<IncidentView>> seen(test.checkpoints.size());
  size_t next_input = 0;
  size_t next_checkpoint = 0;
  for (auto t = evaluations.begin(); t != evaluations.end(); ++t) {
    const WallTime now = kTestStart + *t;
    for (; next_input < test.inputs.size() && test.inputs[next_input].at <= *t; ++next_input) {
      signals.Apply(test.inputs[next_input], now);
    }
    const auto states = evaluator.Evaluate(signals.snapshot(), now);
    log.Record(book.Apply(states, evaluator.rules(), now), book);
    const auto following = std::next(t);
    for (; next_checkpoint < test.checkpoints.size() &&
           (following == evaluations.end() || test.checkpoints[next_checkpoint].at < *following);
         ++next_checkpoint) {
      seen[next_checkpoint] = log.incidents();
    }
  }
  return seen;
}

}  // namespace runbookd::ctl
