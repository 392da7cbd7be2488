#include "daemon/rules/label_matcher.hpp"

#include <array>
#include <utility>

namespace runbookd::rules {

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view ToString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegex:
      return "=~";
    case MatchOp::kNotRegex:
      return "!~";
  }
  return "?";
}

bool LabelMatcher::Matches(const LabelSet& labels) const {
  const std::string_view actual = LabelValue(labels, name);
  switch (op) {
    case MatchOp::kEqual:
      return actual == value;
    case MatchOp::kNotEqual:
      return actual != value;
    case MatchOp::kRegex:
      return regex && std::regex_match(actual.begin(), actual.end(), *regex);
    case MatchOp::kNotRegex:
      return regex && !std::regex_match(actual.begin(), actual.end(), *regex);
  }
  return false;
}

std::string LabelMatcher::ToString() const { return name + std::string(rules::ToString(op)) + QuoteLabelValue(value); }

std::shared_ptr<const std::regex> CompileAnchoredRegex(std::string_view pattern, std::string& error) {
  auto flags = std::regex::ECMAScript;
  std::string_view body = pattern;
  if (body.substr(0, 4) == "(?i)") {
    body.remove_prefix(4);
    flags |= std::regex::icase;
  }
  try {
    // The pattern alone first: wrapped, "a)|(b" would compile into something the user never meant.
    std::regex alone{std::string(body), flags};
    return std::make_shared<const std::regex>("^(?:" + std::string(body) + ")$", flags);
  } catch (const std::regex_error& e) {
    // libstdc++'s own text: its error codes alone are too coarse ("*" reports error_paren).
    error = "invalid regular expression \"" + std::string(pattern) + "\": " + e.what();
    return nullptr;
  }
}

ParsedMatcher ParseLabelMatcher(const std::string& name, std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, MatchOp>, 4> kPrefixes = {{
      {"=~", MatchOp::kRegex},
      {"!~", MatchOp::kNotRegex},
      {"!=", MatchOp::kNotEqual},
      {"=", MatchOp::kEqual},
  }};
  ParsedMatcher out;
  out.matcher.name = name;
  out.matcher.value = std::string(text);
  for (const auto& [prefix, op] : kPrefixes) {
    if (text.substr(0, prefix.size()) == prefix) {
      out.matcher.op = op;
      out.matcher.value = std::string(TrimSpaces(text.substr(prefix.size())));
      break;
    }
  }
  if (out.matcher.op == MatchOp::kRegex || out.matcher.op == MatchOp::kNotRegex) {
    out.matcher.regex = CompileAnchoredRegex(out.matcher.value, out.error);
  }
  return out;
}

}  // namespace runbookd::rules
