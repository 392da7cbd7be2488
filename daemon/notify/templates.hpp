#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/notifier.hpp"

// The title and text of each kind of notification, modelled on the runbooks' communication
// templates (initial notice, progress update, resolution with duration and root cause), with
// `{{placeholder}}` substitution over the Notification's fields. Placeholders are checked when the
// config is read, so rendering cannot fail.
namespace runbookd::notify {

enum class Placeholder {
  kKind,
  kIncidentId,
  kDedupKey,
  kRule,
  kSeverity,
  kState,
  kSummary,
  kLabels,  // "service=api, namespace=production"
  kLabel,   // {{labels.NAME}}: one label's value, empty when the incident has no such label
  kOpenedAt,
  kAt,
  kDuration,  // "1h 2m 3s"
  kRootCause,
  kAction,
  kPlanSummary,
  kApprovalId,
  kApprovalExpiresAt,
  kOutcome,
  kText,
  kIncidentUrl,
};

// Every placeholder name ("labels.NAME" stands for the label form).
const std::vector<std::string>& PlaceholderNames();

// Escapes a field's value for the target's markup (Slack mrkdwn); literal template text is kept.
using Escape = std::string (*)(std::string_view);

// One compiled template. A line whose placeholders all render empty is left out, so
// "Root cause: {{root_cause}}" disappears while the root cause is unknown.
class Template {
 public:
  // nullopt, with `error` set, for an unknown placeholder or an unclosed "{{".
  static std::optional<Template> Compile(std::string_view text, std::string& error);
  std::string Render(const Notification& n, Escape escape = nullptr) const;

 private:
  struct Piece {
    bool is_placeholder = false;
    Placeholder placeholder = Placeholder::kKind;
    std::string text;  // the literal text, or the label name of {{labels.NAME}}
  };
  static std::optional<Piece> PlaceholderPiece(const std::string& name);
  std::vector<std::vector<Piece>> lines_;
};

struct RenderedMessage {
  std::string title;  // one line: Slack's header, PagerDuty's summary
  std::string text;   // the body, several lines
};

// The title and text of every kind: the defaults, with a notifier's `templates:` overrides.
class Templates {
 public:
  Templates();  // the defaults
  // `text_escape` applies to the text's field values only; titles are plain text everywhere.
  RenderedMessage Render(const Notification& n, Escape text_escape = nullptr) const;

 private:
  friend Templates ReadTemplates(const config::Node& node);
  struct Pair {
    Template title;
    Template text;
  };
  std::vector<Pair> by_kind_;  // indexed by NotificationKind
};

// Reads a notifier's `templates:` mapping: a kind name (opened, update, approval_requested,
// action_taken, escalated, resolved) to a text template, or to `{title: ..., text: ...}`. Kinds
// not given keep their defaults. Errors are recorded at the template's node.
Templates ReadTemplates(const config::Node& node);

// RFC 3339 in UTC to the second ("2024-05-01T09:00:00Z"); empty for an unset (epoch) time.
std::string FormatTime(WallTime t);
// "1h 2m 3s", "42s", "2d 3h".
std::string FormatDuration(std::chrono::seconds d);

}  // namespace runbookd::notify
