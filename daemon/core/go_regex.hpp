#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace runbookd {

// A regular expression that reads and matches like Go's regexp package (RE2 syntax as Perl
// spells it: (?i), \d, (?P<name>...)), so patterns pasted from a blackbox_exporter config keep
// their meaning: unanchored search, `^`/`$` at the ends of the text only, `.` not matching a
// newline unless (?s). Backed by Boost.Regex (header-only in Boost 1.81). Immutable; copies share.
class GoRegex {
 public:
  // nullopt with `error` set when the pattern does not compile.
  static std::optional<GoRegex> Compile(std::string_view pattern, std::string& error);

  const std::string& pattern() const { return pattern_; }
  // True when the pattern matches anywhere in `text` (Go's MatchString).
  bool Search(std::string_view text) const;
  // When the pattern matches in `text`: `tmpl` with $1, ${1}, $name, ${name} replaced by the
  // submatches of the first match and $$ by $ (Go's Regexp.Expand). nullopt when it does not match.
  std::optional<std::string> SearchAndExpand(std::string_view text, std::string_view tmpl) const;

 private:
  struct Impl;
  GoRegex(std::shared_ptr<const Impl> impl, std::string pattern)
      : impl_(std::move(impl)), pattern_(std::move(pattern)) {}
  std::shared_ptr<const Impl> impl_;
  std::string pattern_;
};

}  // namespace runbookd
