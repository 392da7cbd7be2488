#include "daemon/engine/incident_book.hpp"

#include "config/duration.hpp"

namespace runbookd {

namespace {

std::string EvidenceSource(const rules::Evidence& e) {
  switch (e.kind) {
    case rules::Evidence::Kind::kProbe:
      return "probe:" + e.subject;
    case rules::Evidence::Kind::kAlert:
      return "alert:" + e.subject;
    case rules::Evidence::Kind::kNegation:
      break;
  }
  return "rule";
}

std::string GroupText(const IncidentKey& key) { return key.group_key.empty() ? "" : " for " + key.group_key; }

}  // namespace

std::string_view ToString(IncidentEvent::Kind kind) {
  switch (kind) {
    case IncidentEvent::Kind::kOpened:
      return "opened";
    case IncidentEvent::Kind::kSignal:
      return "signal";
    case IncidentEvent::Kind::kStoppedMatching:
      return "stopped_matching";
    case IncidentEvent::Kind::kMatchingAgain:
      return "matching_again";
    case IncidentEvent::Kind::kSuppressed:
      return "suppressed";
    case IncidentEvent::Kind::kUnsuppressed:
      return "unsuppressed";
    case IncidentEvent::Kind::kResolved:
      return "resolved";
  }
  return "opened";
}

void IncidentBook::Restore(OpenIncident incident, WallTime now) {
  incident.restored_at = now;
  incident.matching = false;
  open_[incident.key] = std::move(incident);
}

std::vector<IncidentEvent> IncidentBook::Apply(const std::vector<rules::RuleState>& states,
                                               const std::vector<rules::Rule>& rules, WallTime now) {
  std::vector<IncidentEvent> events;
  std::map<std::string, const rules::Rule*> by_name;
  for (const auto& r : rules) by_name[r.name] = &r;
  std::set<IncidentKey> seen;
  for (const auto& state : states) {
    auto rule = by_name.find(state.rule);
    if (rule == by_name.end()) continue;
    seen.insert(IncidentKey{state.rule, state.group_key});
    ApplyState(state, *rule->second, now, events);
  }
  ResolveStale(rules, seen, now, events);
  return events;
}

void IncidentBook::ApplyState(const rules::RuleState& state, const rules::Rule& rule, WallTime now,
                              std::vector<IncidentEvent>& events) {
  const IncidentKey key{state.rule, state.group_key};
  auto it = open_.find(key);
  auto emit = [&](IncidentEvent::Kind kind, std::string source, std::string message) {
    events.push_back(IncidentEvent{kind, key, now, std::move(source), std::move(message)});
  };
  // Events take the incident's fields once its state for this evaluation is settled (below).
  const size_t first_event = events.size();
  auto stamp = [&](const OpenIncident& incident) {
    for (size_t i = first_event; i < events.size(); ++i) {
      events[i].group_labels = incident.group_labels;
      events[i].severity = incident.severity;
      events[i].opened_at = incident.opened_at;
      events[i].suppressed_by = incident.suppressed_by;
    }
  };

  if (it == open_.end()) {
    if (!state.firing) return;
    OpenIncident incident{key, state.group_labels, rule.severity, now};
    std::string why;
    for (const auto& e : state.evidence) {
      why += (why.empty() ? "" : "; ") + e.text;
      incident.evidence.insert(e.text);
    }
    emit(IncidentEvent::Kind::kOpened, "rule",
         "rule " + rule.name + " matched" + GroupText(key) + (why.empty() ? "" : ": " + why));
    // Each signal that opened it is a timeline entry of its own, with its own source.
    for (const auto& e : state.evidence) emit(IncidentEvent::Kind::kSignal, EvidenceSource(e), e.text);
    it = open_.emplace(key, std::move(incident)).first;
  } else if (state.active_now) {
    OpenIncident& incident = it->second;
    if (!incident.matching && state.firing) {
      incident.matching = true;
      incident.restored_at.reset();
      emit(IncidentEvent::Kind::kMatchingAgain, "rule", "rule " + rule.name + " matches again" + GroupText(key));
    }
    // While the rule is pending again (active, `for` not yet passed) its evidence is not news yet.
    if (incident.matching) {
      for (const auto& e : state.evidence) {
        if (incident.evidence.insert(e.text).second) emit(IncidentEvent::Kind::kSignal, EvidenceSource(e), e.text);
      }
    }
  }

  OpenIncident& incident = it->second;
  if (state.change == rules::StateChange::kResolved) {
    emit(IncidentEvent::Kind::kResolved, "rule",
         "resolved: rule " + rule.name + " has not matched for " + config::FormatDuration(rule.resolve_after));
    stamp(incident);
    open_.erase(it);
    return;
  }
  if (!state.active_now && incident.matching && state.inactive_since) {
    incident.matching = false;
    incident.evidence.clear();  // evidence seen again after this is news
    emit(IncidentEvent::Kind::kStoppedMatching, "rule",
         "rule " + rule.name + " stopped matching; resolves after " + config::FormatDuration(rule.resolve_after) +
             " unless it matches again");
  }
  const std::optional<std::string> suppressor =
      state.suppressed_by ? std::optional(state.suppressed_by->name) : std::nullopt;
  if (suppressor != incident.suppressed_by) {
    if (suppressor) {
      emit(IncidentEvent::Kind::kSuppressed, "engine",
           "suppressed: " + state.suppressed_by->reason + "; its actions will not run");
    } else {
      emit(IncidentEvent::Kind::kUnsuppressed, "engine", "no longer suppressed by " + *incident.suppressed_by);
    }
    incident.suppressed_by = suppressor;
  }
  stamp(incident);
}

// Incidents the evaluator no longer reports: carried over a restart and not matching since, or
// of a rule a reload removed.
void IncidentBook::ResolveStale(const std::vector<rules::Rule>& rules, const std::set<IncidentKey>& seen, WallTime now,
                                std::vector<IncidentEvent>& events) {
  for (auto it = open_.begin(); it != open_.end();) {
    const OpenIncident& incident = it->second;
    const rules::Rule* rule = nullptr;
    for (const auto& r : rules) rule = r.name == incident.key.rule ? &r : rule;
    std::string message;
    if (rule == nullptr) {
      message = "resolved: rule " + incident.key.rule + " is no longer configured";
    } else if (!seen.count(incident.key) && incident.restored_at &&
               now - *incident.restored_at >= rule->for_duration + rule->resolve_after + restore_grace_) {
      message =
          "resolved: rule " + rule->name + " has not matched since runbookd restarted " +
          config::FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(now - *incident.restored_at)) +
          " ago";
    }
    if (message.empty()) {
      ++it;
      continue;
    }
    events.push_back(IncidentEvent{IncidentEvent::Kind::kResolved, incident.key, now, "engine", message,
                                   incident.group_labels, incident.severity, incident.opened_at,
                                   incident.suppressed_by});
    it = open_.erase(it);
  }
}

}  // namespace runbookd
