#include "daemon/rules/condition_eval.hpp"

#include <algorithm>

namespace runbookd::rules {

namespace {

// One incident timeline need not list a thousand alerts.
constexpr size_t kMaxAlertEvidence = 10;

const ProbeSignal& FindProbe(const Snapshot& snapshot, const std::string& name) {
  static const ProbeSignal kNoResultYet;  // unknown, streak 0: missing data is never healthy
  auto it = snapshot.probes.find(name);
  return it == snapshot.probes.end() ? kNoResultYet : it->second;
}

bool ProbeSatisfies(const ProbeCondition& c, const ProbeSignal& signal) {
  if (c.consecutive) return signal.streak_status == c.status && signal.streak >= *c.consecutive;
  return signal.state == c.status;
}

bool AlertSatisfies(const AlertCondition& c, const AlertSignal& alert) {
  if (alert.status != AlertStatus::kFiring) return false;
  return std::all_of(c.matchers.begin(), c.matchers.end(),
                     [&](const LabelMatcher& m) { return m.Matches(alert.labels); });
}

std::string ProbeEvidenceText(const ProbeCondition& c, const ProbeSignal& signal) {
  std::string out = "probe " + c.probe + " is " + std::string(ToString(c.status));
  if (c.consecutive) out += " " + std::to_string(signal.streak) + " times in a row";
  out += signal.last_reason ? " (" + std::string(ToString(*signal.last_reason)) + ")" : " (no result yet)";
  return out;
}

std::string AlertEvidenceText(const AlertSignal& alert) {
  auto name = alert.labels.find("alertname");
  return "alert " + (name == alert.labels.end() ? std::string("(no alertname)") : name->second) +
         " fp=" + alert.fingerprint;
}

// Evidence texts must not change between evaluations (a new text is a new timeline entry), so this
// names the instant, never "12m ago".
std::string RolloutEvidenceText(const RecentRolloutCondition& c, const RolloutFacts& facts) {
  std::string out = "deployment " + ToString(c.deployment) + " rolled out revision " + std::to_string(facts.revision) +
                    " at " + FormatUtc(facts.began);
  if (facts.previous_revision) out += " (previous revision " + std::to_string(*facts.previous_revision) + ")";
  return out;
}

void Append(std::vector<Evidence>& into, std::vector<Evidence> more) {
  for (auto& e : more) {
    const bool seen = std::any_of(into.begin(), into.end(), [&](const Evidence& have) { return have.text == e.text; });
    if (!seen) into.push_back(std::move(e));
  }
}

struct Evaluator {
  const Snapshot& snapshot;
  const GroupScope& scope;
  WallTime now;

  ConditionResult operator()(const ProbeCondition& c) const {
    const ProbeSignal& signal = FindProbe(snapshot, c.probe);
    if (!scope.Admits(signal.labels) || !ProbeSatisfies(c, signal)) return {};
    return {true, {Evidence{Evidence::Kind::kProbe, c.probe, ProbeEvidenceText(c, signal)}}};
  }

  ConditionResult operator()(const AlertCondition& c) const {
    ConditionResult out;
    size_t matched = 0;
    for (const auto& alert : snapshot.alerts) {
      if (!AlertSatisfies(c, alert) || !scope.Admits(alert.labels)) continue;
      out.holds = true;
      if (++matched <= kMaxAlertEvidence) {
        out.evidence.push_back(Evidence{Evidence::Kind::kAlert, alert.fingerprint, AlertEvidenceText(alert)});
      }
    }
    if (matched > kMaxAlertEvidence) {
      out.evidence.push_back(
          Evidence{Evidence::Kind::kAlert, "", "and " + std::to_string(matched - kMaxAlertEvidence) + " more alerts"});
    }
    return out;
  }

  // No labels: a rollout counts in every group. Unknown facts never hold.
  ConditionResult operator()(const RecentRolloutCondition& c) const {
    auto it = snapshot.rollouts.find(c.deployment);
    if (it == snapshot.rollouts.end() || now - it->second.began > c.within) return {};
    const std::string subject = ToString(c.deployment);
    return {true, {Evidence{Evidence::Kind::kNegation, subject, RolloutEvidenceText(c, it->second)}}};
  }

  ConditionResult operator()(const AllCondition& c) const {
    ConditionResult out{true, {}};
    for (const auto& child : c.conditions) {
      ConditionResult r = std::visit(*this, child.kind);
      if (!r.holds) return {};
      Append(out.evidence, std::move(r.evidence));
    }
    return out;
  }

  ConditionResult operator()(const AnyCondition& c) const {
    ConditionResult out;
    for (const auto& child : c.conditions) {
      ConditionResult r = std::visit(*this, child.kind);
      if (!r.holds) continue;
      out.holds = true;
      Append(out.evidence, std::move(r.evidence));
    }
    return out;
  }

  ConditionResult operator()(const NotCondition& c) const {
    if (!c.condition || std::visit(*this, c.condition->kind).holds) return {};
    const std::string inner = Describe(*c.condition);
    return {true, {Evidence{Evidence::Kind::kNegation, inner, "not(" + inner + ")"}}};
  }
};

void CollectCandidates(const Condition& condition, const Snapshot& snapshot, const std::vector<std::string>& group_by,
                       bool positive, std::set<LabelSet>& out) {
  if (const auto* probe = std::get_if<ProbeCondition>(&condition.kind)) {
    const ProbeSignal& signal = FindProbe(snapshot, probe->probe);
    if (positive && ProbeSatisfies(*probe, signal)) out.insert(ProjectLabels(signal.labels, group_by));
  } else if (const auto* alert = std::get_if<AlertCondition>(&condition.kind)) {
    if (!positive) return;
    for (const auto& a : snapshot.alerts) {
      if (AlertSatisfies(*alert, a)) out.insert(ProjectLabels(a.labels, group_by));
    }
  } else if (const auto* all = std::get_if<AllCondition>(&condition.kind)) {
    for (const auto& c : all->conditions) CollectCandidates(c, snapshot, group_by, positive, out);
  } else if (const auto* any = std::get_if<AnyCondition>(&condition.kind)) {
    for (const auto& c : any->conditions) CollectCandidates(c, snapshot, group_by, positive, out);
  } else if (const auto* negation = std::get_if<NotCondition>(&condition.kind)) {
    if (negation->condition) CollectCandidates(*negation->condition, snapshot, group_by, !positive, out);
  }
}

}  // namespace

bool GroupScope::Admits(const LabelSet& labels) const {
  for (const auto& name : group_by) {
    const std::string_view value = LabelValue(labels, name);
    if (!value.empty() && value != LabelValue(group, name)) return false;
  }
  return true;
}

LabelSet ProjectLabels(const LabelSet& labels, const std::vector<std::string>& group_by) {
  LabelSet out;
  for (const auto& name : group_by) {
    const std::string_view value = LabelValue(labels, name);
    if (!value.empty()) out.emplace(name, std::string(value));
  }
  return out;
}

std::set<LabelSet> CandidateGroups(const Condition& condition, const Snapshot& snapshot,
                                   const std::vector<std::string>& group_by) {
  std::set<LabelSet> out;
  CollectCandidates(condition, snapshot, group_by, true, out);
  return out;
}

ConditionResult EvaluateCondition(const Condition& condition, const Snapshot& snapshot, const GroupScope& scope,
                                  WallTime now) {
  return std::visit(Evaluator{snapshot, scope, now}, condition.kind);
}

}  // namespace runbookd::rules
