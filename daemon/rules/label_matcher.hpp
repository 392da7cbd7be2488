#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "daemon/rules/labels.hpp"

namespace runbookd::rules {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

std::string_view ToString(MatchOp op);  // "=", "!=", "=~", "!~"

// One Alertmanager label matcher (alertmanager pkg/labels/matcher.go). An absent label is matched
// as the empty string, so `=""`, `!=x` and `!~x` all match an alert that lacks the label. Regexes
// are fully anchored, `^(?:re)$`, and compiled once.
struct LabelMatcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const std::regex> regex;  // set for kRegex and kNotRegex

  bool Matches(const LabelSet& labels) const;
  std::string ToString() const;  // name=~"value"
};

struct ParsedMatcher {
  LabelMatcher matcher;
  std::string error;  // empty when the matcher is usable
  bool ok() const { return error.empty(); }
};

// `text` is the rule syntax: a value prefixed by "=~", "!~", "!=" or "=" (the operator), or a plain
// value for equality. Spaces right after an operator are dropped, since a label value almost never
// starts with one and `!= foo` would otherwise silently match nearly everything.
ParsedMatcher ParseLabelMatcher(const std::string& name, std::string_view text);

// Compiles `pattern` as Alertmanager would, `^(?:pattern)$`, with std::regex (ECMAScript). A leading
// `(?i)` (common in Alertmanager configs, not ECMAScript) turns into case-insensitive matching.
// Returns nullptr and sets `error` when the pattern is invalid.
std::shared_ptr<const std::regex> CompileAnchoredRegex(std::string_view pattern, std::string& error);

}  // namespace runbookd::rules
