#include "daemon/ctl/rule_test_report.hpp"

#include <algorithm>

namespace runbookd::ctl {

namespace {

// Plain YAML scalars stay bare; anything YAML could misread, or that would not survive a paste
// back into the test, is quoted.
std::string Scalar(const std::string& value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '/';
  });
  return plain ? value : rules::QuoteLabelValue(value);
}

bool SameIncident(const ExpectedIncident& expected, const IncidentView& got) {
  const IncidentView& e = expected.incident;
  return e.rule == got.rule && e.group == got.group && e.state == got.state && e.suppressed_by == got.suppressed_by &&
         (!expected.check_events || e.events == got.events);
}

}  // namespace

std::string FormatIncident(const IncidentView& incident, bool with_events) {
  std::string group;
  for (const auto& [name, value] : incident.group) group += (group.empty() ? "" : ", ") + name + ": " + Scalar(value);
  std::string out = "{rule: " + Scalar(incident.rule) + ", group: {" + group +
                    "}, state: " + (incident.state == IncidentState::kOpen ? "open" : "resolved");
  if (incident.suppressed_by) out += ", suppressed_by: " + Scalar(*incident.suppressed_by);
  if (with_events) {
    std::string events;
    for (const auto& e : incident.events) events += (events.empty() ? "" : ", ") + e;
    out += ", events: [" + events + "]";
  }
  return out + "}";
}

std::vector<std::string> DiffIncidents(const std::vector<ExpectedIncident>& expected,
                                       const std::vector<IncidentView>& got) {
  std::vector<bool> expected_found(expected.size(), false);
  std::vector<bool> got_used(got.size(), false);
  // Expectations that list events first: they can match only one incident, while the others
  // (events not checked) could take it from them.
  for (bool with_events : {true, false}) {
    for (size_t e = 0; e < expected.size(); ++e) {
      if (expected[e].check_events != with_events) continue;
      for (size_t g = 0; g < got.size() && !expected_found[e]; ++g) {
        if (got_used[g] || !SameIncident(expected[e], got[g])) continue;
        expected_found[e] = got_used[g] = true;
      }
    }
  }

  std::vector<std::string> lines;
  for (size_t e = 0; e < expected.size(); ++e) {
    if (expected_found[e]) continue;
    const IncidentView& want = expected[e].incident;
    lines.push_back("- expected: " + FormatIncident(want, expected[e].check_events));
    for (size_t g = 0; g < got.size(); ++g) {
      if (got_used[g] || got[g].rule != want.rule || got[g].group != want.group) continue;
      lines.push_back("+ got:      " + FormatIncident(got[g], expected[e].check_events));
      got_used[g] = true;
      break;
    }
  }
  for (size_t g = 0; g < got.size(); ++g) {
    if (!got_used[g]) lines.push_back("+ got:      " + FormatIncident(got[g], false));
  }
  if (lines.empty()) return lines;
  // An empty side says so, rather than leaving the reader to infer it from a missing line.
  if (expected.empty()) lines.insert(lines.begin(), "- expected: no incidents");
  if (got.empty()) lines.push_back("+ got:      no incidents");
  return lines;
}

}  // namespace runbookd::ctl
