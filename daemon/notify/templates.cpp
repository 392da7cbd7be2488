#include "daemon/notify/templates.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "config/suggest.hpp"

namespace runbookd::notify {

namespace {

constexpr std::string_view kLabelPrefix = "labels.";

struct Named {
  std::string_view name;
  Placeholder placeholder;
};

constexpr Named kNamed[] = {
    {"kind", Placeholder::kKind},
    {"incident_id", Placeholder::kIncidentId},
    {"dedup_key", Placeholder::kDedupKey},
    {"rule", Placeholder::kRule},
    {"severity", Placeholder::kSeverity},
    {"state", Placeholder::kState},
    {"summary", Placeholder::kSummary},
    {"labels", Placeholder::kLabels},
    {"opened_at", Placeholder::kOpenedAt},
    {"at", Placeholder::kAt},
    {"duration", Placeholder::kDuration},
    {"root_cause", Placeholder::kRootCause},
    {"action", Placeholder::kAction},
    {"plan_summary", Placeholder::kPlanSummary},
    {"approval_id", Placeholder::kApprovalId},
    {"approval_expires_at", Placeholder::kApprovalExpiresAt},
    {"outcome", Placeholder::kOutcome},
    {"text", Placeholder::kText},
    {"incident_url", Placeholder::kIncidentUrl},
};

// Modelled on the runbooks' communication templates: the initial notice says what is wrong and
// since when, updates repeat the status, the resolution gives the duration and the root cause.
// Indexed by NotificationKind.
constexpr std::pair<std::string_view, std::string_view> kDefaults[] = {
    // opened
    {"\U0001F6A8 [{{severity}}] INCIDENT #{{incident_id}} - {{rule}}",
     "Status: Investigating\nImpact: {{summary}}\nStarted: {{opened_at}}\nLabels: {{labels}}\nDetails: "
     "{{incident_url}}"},
    // update
    {"\U0001F6A8 [{{severity}}] INCIDENT #{{incident_id}} - {{rule}} UPDATE",
     "Status: {{state}}\nImpact: {{summary}}\nUpdate: {{text}}\nLast action: {{action}} {{outcome}}\nOpen since: "
     "{{opened_at}}\nDetails: {{incident_url}}"},
    // approval_requested
    {"\u23F8 APPROVAL NEEDED - {{action}} for incident #{{incident_id}} ({{rule}})",
     "Impact: {{summary}}\nPlan: {{plan_summary}}\nApproval id: {{approval_id}}, expires {{approval_expires_at}} "
     "(no decision by then means deny)\nApprove: runbookctl approve {{approval_id}}\nDeny: runbookctl deny "
     "{{approval_id}}\nDetails: {{incident_url}}"},
    // action_taken
    {"\U0001F527 ACTION {{action}}: {{outcome}} - incident #{{incident_id}} ({{rule}})",
     "Impact: {{summary}}\nPlan: {{plan_summary}}\nOutcome: {{outcome}}\nNote: {{text}}\nDetails: {{incident_url}}"},
    // escalated
    {"\U0001F4E3 [{{severity}}] INCIDENT #{{incident_id}} - {{rule}} ESCALATED",
     "Status: {{state}}\nReason: {{text}}\nImpact: {{summary}}\nOpen since: {{opened_at}}\nDetails: "
     "{{incident_url}}"},
    // resolved
    {"\u2705 [{{severity}}] INCIDENT #{{incident_id}} - {{rule}} RESOLVED",
     "Duration: {{duration}}\nRoot cause: {{root_cause}}\nImpact: {{summary}}\nOpened: {{opened_at}}, resolved: "
     "{{at}}\nDetails: {{incident_url}}"},
    // acknowledged
    {"\U0001F440 [{{severity}}] INCIDENT #{{incident_id}} - {{rule}} ACKNOWLEDGED",
     "Status: {{state}}\nAcknowledged: {{text}}\nImpact: {{summary}}\nOpen since: {{opened_at}}\nDetails: "
     "{{incident_url}}"},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string JoinLabels(const Notification& n) {
  std::string out;
  for (const auto& [name, value] : n.labels) {
    if (!out.empty()) out += ", ";
    out += name + "=" + value;
  }
  return out;
}

std::string LabelValue(const Notification& n, const std::string& name) {
  for (const auto& [label, value] : n.labels) {
    if (label == name) return value;
  }
  return {};
}

std::string ValueOf(Placeholder p, const std::string& label, const Notification& n) {
  switch (p) {
    case Placeholder::kKind:
      return std::string(ToString(n.kind));
    case Placeholder::kIncidentId:
      return n.incident_id > 0 ? std::to_string(n.incident_id) : std::string();
    case Placeholder::kDedupKey:
      return n.dedup_key;
    case Placeholder::kRule:
      return n.rule;
    case Placeholder::kSeverity:
      return n.severity;
    case Placeholder::kState:
      return n.state;
    case Placeholder::kSummary:
      return n.summary;
    case Placeholder::kLabels:
      return JoinLabels(n);
    case Placeholder::kLabel:
      return LabelValue(n, label);
    case Placeholder::kOpenedAt:
      return FormatTime(n.opened_at);
    case Placeholder::kAt:
      return FormatTime(n.at);
    case Placeholder::kDuration:
      return n.duration ? FormatDuration(*n.duration) : std::string();
    case Placeholder::kRootCause:
      return n.root_cause;
    case Placeholder::kAction:
      return n.action;
    case Placeholder::kPlanSummary:
      return n.plan_summary;
    case Placeholder::kApprovalId:
      return n.approval_id ? std::to_string(*n.approval_id) : std::string();
    case Placeholder::kApprovalExpiresAt:
      return n.approval_expires_at ? FormatTime(*n.approval_expires_at) : std::string();
    case Placeholder::kOutcome:
      return n.outcome;
    case Placeholder::kText:
      return n.text;
    case Placeholder::kIncidentUrl:
      return n.incident_url;
  }
  return {};
}

Template CompileDefault(std::string_view text) {
  std::string error;
  auto compiled = Template::Compile(text, error);
  if (!compiled) throw std::logic_error("default notification template: " + error);
  return std::move(*compiled);
}

// Compiles the template at `node` into `target`, or records why not and leaves `target` as it was.
void ReadOne(const config::Node& node, Template& target, bool one_line) {
  if (!node.defined()) return;
  const std::string text = node.AsString();
  if (one_line && text.find('\n') != std::string::npos) {
    node.Error("a title is one line");
    return;
  }
  std::string error;
  auto compiled = Template::Compile(text, error);
  if (compiled) {
    target = std::move(*compiled);
  } else {
    node.Error(error);
  }
}

}  // namespace

const std::vector<std::string>& PlaceholderNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Named& n : kNamed) out.emplace_back(n.name);
    out.emplace_back(std::string(kLabelPrefix) + "NAME");
    return out;
  }();
  return names;
}

std::optional<Template::Piece> Template::PlaceholderPiece(const std::string& name) {
  for (const Named& n : kNamed) {
    if (n.name == name) return Piece{true, n.placeholder, {}};
  }
  if (name.size() > kLabelPrefix.size() && name.compare(0, kLabelPrefix.size(), kLabelPrefix) == 0) {
    return Piece{true, Placeholder::kLabel, name.substr(kLabelPrefix.size())};
  }
  return std::nullopt;
}

std::optional<Template> Template::Compile(std::string_view text, std::string& error) {
  Template out;
  out.lines_.emplace_back();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) out.lines_.back().push_back(Piece{false, Placeholder::kKind, std::move(literal)});
    literal.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      flush();
      out.lines_.emplace_back();
      ++i;
      continue;
    }
    if (text.compare(i, 2, "{{") != 0) {
      literal += text[i++];
      continue;
    }
    const size_t close = text.find("}}", i + 2);
    if (close == std::string_view::npos) {
      error = "\"{{\" without a closing \"}}\"";
      return std::nullopt;
    }
    const std::string name(Trim(text.substr(i + 2, close - i - 2)));
    std::optional<Piece> piece = PlaceholderPiece(name);
    if (!piece) {
      error = "unknown placeholder \"{{" + name + "}}\"" + config::DidYouMean(name, PlaceholderNames());
      return std::nullopt;
    }
    flush();
    out.lines_.back().push_back(std::move(*piece));
    i = close + 2;
  }
  flush();
  return out;
}

std::string Template::Render(const Notification& n, Escape escape) const {
  std::string out;
  bool first = true;
  for (const auto& line : lines_) {
    std::string rendered;
    bool has_placeholder = false;
    bool any_value = false;
    for (const Piece& piece : line) {
      if (!piece.is_placeholder) {
        rendered += piece.text;
        continue;
      }
      has_placeholder = true;
      std::string value = ValueOf(piece.placeholder, piece.text, n);
      any_value = any_value || !value.empty();
      rendered += escape ? escape(value) : value;
    }
    if (has_placeholder && !any_value) continue;
    if (!first) out += '\n';
    out += rendered;
    first = false;
  }
  return out;
}

Templates::Templates() {
  for (const auto& [title, text] : kDefaults) by_kind_.push_back(Pair{CompileDefault(title), CompileDefault(text)});
}

RenderedMessage Templates::Render(const Notification& n, Escape text_escape) const {
  const size_t index = static_cast<size_t>(n.kind) < by_kind_.size() ? static_cast<size_t>(n.kind) : 0;
  const Pair& pair = by_kind_[index];
  return RenderedMessage{pair.title.Render(n), pair.text.Render(n, text_escape)};
}

Templates ReadTemplates(const config::Node& node) {
  Templates out;
  if (!node.defined()) return out;
  if (!node.is_map()) {
    node.Error("expected a mapping from a notification kind (opened, update, ...) to a template");
    return out;
  }
  for (size_t i = 0; i < std::size(kDefaults); ++i) {
    const config::Node entry = node[ToString(static_cast<NotificationKind>(i))];
    if (!entry.defined()) continue;
    Templates::Pair& pair = out.by_kind_[i];
    if (entry.is_map()) {
      ReadOne(entry["title"], pair.title, true);
      ReadOne(entry["text"], pair.text, false);
    } else if (entry.is_scalar()) {
      ReadOne(entry, pair.text, false);
    } else {
      entry.Error("expected a template string, or a mapping with \"title\" and \"text\"");
    }
  }
  return out;
}

std::string FormatTime(WallTime t) {
  if (t.time_since_epoch().count() == 0) return {};
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t total = d.count() < 0 ? 0 : d.count();
  const std::pair<int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  for (const auto& [size, suffix] : units) {
    if (total < size && !(size == 1 && out.empty())) continue;
    if (!out.empty()) out += ' ';
    out += std::to_string(total / size) + suffix;
    total %= size;
  }
  return out;
}

}  // namespace runbookd::notify
