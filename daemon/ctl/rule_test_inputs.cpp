#include "daemon/ctl/rule_test_inputs.hpp"

#include <algorithm>
#include <sstream>

#include "config/suggest.hpp"
#include "daemon/ctl/rule_test_parser.hpp"
#include "daemon/engine/incident_book.hpp"

namespace runbookd::ctl {

namespace {

using config::Node;

// A series longer than this is a typo, not a test.
constexpr int64_t kMaxRepeat = 100'000;

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

template <typename Map>
std::vector<std::string> KeysOf(const Map& map) {
  std::vector<std::string> out;
  for (const auto& entry : map) out.push_back(entry.first);
  return out;
}

const std::vector<std::string>& ReasonNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (ProbeReason r : AllProbeReasons()) out.emplace_back(ToString(r));
    return out;
  }();
  return names;
}

const std::vector<std::string>& EventKindNames() {
  using Kind = IncidentEvent::Kind;
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (Kind k : {Kind::kOpened, Kind::kSignal, Kind::kStoppedMatching, Kind::kMatchingAgain, Kind::kSuppressed,
                   Kind::kUnsuppressed, Kind::kResolved}) {
      out.emplace_back(ToString(k));
    }
    return out;
  }();
  return names;
}

// `series: "unhealthy*3 healthy"`: one status per result, `*N` repeating it N times.
std::vector<ProbeStatus> ReadSeries(const Node& node) {
  std::vector<ProbeStatus> out;
  std::istringstream words(node.AsString());
  for (std::string word; words >> word;) {
    std::string name = word;
    int64_t times = 1;
    if (const size_t star = word.find('*'); star != std::string::npos) {
      name = word.substr(0, star);
      const std::string count = word.substr(star + 1);
      const bool digits = !count.empty() && count.size() < 7 &&
                          std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
      times = digits ? std::stoll(count) : 0;
      if (times < 1 || times > kMaxRepeat) {
        node.Error("bad repeat count in " + Quoted(word) + " (1 to " + std::to_string(kMaxRepeat) + ")");
        return {};
      }
    }
    const auto& names = ProbeStatusNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      node.Error("unknown status " + Quoted(name) + " in series" + config::DidYouMean(name, names) +
                 "; expected healthy, unhealthy or unknown, optionally followed by *N");
      return {};
    }
    out.insert(out.end(), static_cast<size_t>(times), ProbeStatusFromName(name));
    if (out.size() > static_cast<size_t>(kMaxRepeat)) {
      node.Error("a series holds at most " + std::to_string(kMaxRepeat) + " results");
      return {};
    }
  }
  if (out.empty() && node.defined()) node.Error("a series needs at least one status");
  return out;
}

void ReadProbeInput(const Node& node, TestTime at, const InputContext& context, std::vector<TimedInput>& out) {
  const Node probe_node = node["probe"];
  const std::string probe = probe_node.AsString();
  if (!context.file.probes.count(probe)) {
    probe_node.Error("probe " + Quoted(probe) + " is not declared under \"probes\"" +
                     config::DidYouMean(probe, KeysOf(context.file.probes)));
  }
  const Node status_node = node["status"];
  const Node series_node = node["series"];
  std::optional<ProbeReason> reason;
  if (const Node r = node["reason"]; r.defined()) {
    const std::string name = r.AsEnum(ReasonNames(), "internal_error");
    reason = AllProbeReasons()[std::find(ReasonNames().begin(), ReasonNames().end(), name) - ReasonNames().begin()];
  }
  std::vector<ProbeStatus> statuses;
  TestTime every{0};
  if (status_node.defined() == series_node.defined()) {
    node.Error("a probe input needs exactly one of \"status\" or \"series\"");
  } else if (status_node.defined()) {
    statuses.push_back(ProbeStatusFromName(status_node.AsEnum(ProbeStatusNames(), "unknown")));
  } else {
    statuses = ReadSeries(series_node);
    const Node every_node = node.Required("every");
    every = every_node.AsDuration(TestTime(1000));
    if (every_node.defined() && every <= TestTime::zero()) every_node.Error("every must be greater than 0");
  }
  for (ProbeStatus status : statuses) {
    // A reason describes a failure; a healthy result in a series is always "ok".
    const ProbeReason r = reason && status != ProbeStatus::kHealthy ? *reason : DefaultReason(status);
    out.push_back(TimedInput{at, ProbeInput{probe, status, r}});
    at += every;
  }
}

void ReadAlertInput(const Node& node, TestTime at, std::vector<TimedInput>& out) {
  AlertInput alert;
  const Node labels = node["alert"];
  alert.labels = ReadLabels(labels);
  if (labels.defined() && alert.labels.empty()) labels.Error("an alert needs at least one label");
  alert.annotations = ReadLabels(node["annotations"]);
  alert.status = node["status"].AsEnum({"firing", "resolved"}, "firing") == "resolved" ? rules::AlertStatus::kResolved
                                                                                       : rules::AlertStatus::kFiring;
  alert.fingerprint = node["fingerprint"].AsString();
  if (alert.fingerprint.empty()) alert.fingerprint = AlertFingerprint(alert.labels);
  out.push_back(TimedInput{at, std::move(alert)});
}

// `rollout: {connection: prod, namespace: production, deployment: web, revision: 7, began: 30s}`, or
// `{..., unknown: true}` once the watcher has lost track.
void ReadRolloutInput(const Node& node, TestTime at, const InputContext& context, std::vector<TimedInput>& out) {
  const Node rollout = node["rollout"];
  if (!rollout.is_map()) {
    rollout.Error("expected a mapping: {connection: C, namespace: N, deployment: D, revision: R}");
    return;
  }
  RolloutInput input;
  input.deployment.connection = rollout.Required("connection").AsString();
  input.deployment.ns = rollout.Required("namespace").AsString();
  input.deployment.deployment = rollout.Required("deployment").AsString();
  // A Deployment no rule names is a typo: its facts would silently change nothing.
  const auto targets = rules::RolloutTargets(context.file.rules);
  if (context.check_rule_names && !std::binary_search(targets.begin(), targets.end(), input.deployment)) {
    std::vector<std::string> names;
    for (const auto& t : targets) names.push_back(rules::ToString(t));
    const std::string name = rules::ToString(input.deployment);
    rollout.Error("no recent_rollout condition in the rule files names deployment " + Quoted(name) +
                  config::DidYouMean(name, names));
  }
  input.known = !rollout["unknown"].AsBool(false);
  const Node revision = rollout["revision"];
  if (!input.known) {
    if (revision.defined()) revision.Error("an unknown rollout has no revision");
    out.push_back(TimedInput{at, std::move(input)});
    return;
  }
  input.revision = rollout.Required("revision").AsInt(1, 1);
  const Node previous = rollout["previous_revision"];
  if (previous.defined()) input.previous_revision = previous.AsInt(1, 1);
  if (input.previous_revision && *input.previous_revision >= input.revision) {
    previous.Error("previous_revision must be below revision");
  }
  const Node began = rollout["began"];
  input.began = began.AsDuration(at);
  if (input.began > at) began.Error("began must not be after the input's time (at)");
  input.in_progress = rollout["in_progress"].AsBool(false);
  out.push_back(TimedInput{at, std::move(input)});
}

ExpectedIncident ReadExpectedIncident(const Node& node, const InputContext& context) {
  ExpectedIncident expected;
  IncidentView& incident = expected.incident;
  const Node rule = node.Required("rule");
  incident.rule = rule.AsString();
  const auto& rules = context.file.rules;
  const bool known = std::any_of(rules.begin(), rules.end(), [&](const auto& r) { return r.name == incident.rule; });
  if (context.check_rule_names && rule.defined() && !known) {
    std::vector<std::string> names;
    for (const auto& r : rules) names.push_back(r.name);
    rule.Error("no rule named " + Quoted(incident.rule) + " in the rule files" +
               config::DidYouMean(incident.rule, names));
  }
  incident.group = ReadLabels(node["group"]);
  incident.state = node.Required("state").AsEnum({"open", "resolved"}, "open") == "resolved" ? IncidentState::kResolved
                                                                                             : IncidentState::kOpen;
  incident.suppressed_by = node["suppressed_by"].AsOptionalString();
  const Node events = node["events"];
  expected.check_events = events.defined();
  for (const Node& item : events.Items()) incident.events.push_back(item.AsEnum(EventKindNames(), "opened"));
  return expected;
}

}  // namespace

ProbeReason DefaultReason(ProbeStatus status) {
  switch (status) {
    case ProbeStatus::kHealthy:
      return ProbeReason::kOk;
    case ProbeStatus::kUnhealthy:
      return ProbeReason::kConnectionFailed;
    case ProbeStatus::kUnknown:
      break;
  }
  return ProbeReason::kInternalError;
}

rules::LabelSet ReadLabels(const Node& node) {
  rules::LabelSet labels;
  for (const auto& [name, value] : node.Entries()) {
    if (!rules::IsValidLabelName(name)) value.Error("invalid label name " + Quoted(name));
    labels[name] = value.AsString();
  }
  return labels;
}

const std::vector<std::string>& ProbeStatusNames() {
  static const std::vector<std::string> names = {"healthy", "unhealthy", "unknown"};
  return names;
}

ProbeStatus ProbeStatusFromName(const std::string& name) {
  if (name == "healthy") return ProbeStatus::kHealthy;
  if (name == "unhealthy") return ProbeStatus::kUnhealthy;
  return ProbeStatus::kUnknown;
}

void ReadInput(const Node& node, const InputContext& context, std::vector<TimedInput>& out) {
  const TestTime at = node.Required("at").AsDuration(TestTime(0));
  const int kinds = int{node.Has("probe")} + int{node.Has("alert")} + int{node.Has("rollout")};
  if (kinds != 1) {
    node.Error("an input needs exactly one of \"probe\", \"alert\" or \"rollout\"");
    return;
  }
  if (node.Has("probe")) {
    ReadProbeInput(node, at, context, out);
  } else if (node.Has("alert")) {
    ReadAlertInput(node, at, out);
  } else {
    ReadRolloutInput(node, at, context, out);
  }
}

Checkpoint ReadCheckpoint(const Node& node, const InputContext& context) {
  Checkpoint checkpoint;
  checkpoint.at = node.Required("at").AsDuration(TestTime(0));
  for (const Node& item : node.Required("incidents").Items()) {
    checkpoint.incidents.push_back(ReadExpectedIncident(item, context));
  }
  return checkpoint;
}

}  // namespace runbookd::ctl
