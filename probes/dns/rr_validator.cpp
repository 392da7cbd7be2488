#include "probes/dns/rr_validator.hpp"

namespace runbookd::dns {

std::vector<GoRegex> ReadRegexList(const config::Node& node) {
  std::vector<GoRegex> out;
  const std::vector<std::string> patterns = node.AsStringList();
  for (const std::string& pattern : patterns) {
    std::string error;
    if (auto re = GoRegex::Compile(pattern, error)) {
      out.push_back(std::move(*re));
    } else {
      node.Error(error);
    }
  }
  return out;
}

RrValidator ReadRrValidator(const config::Node& node) {
  RrValidator v;
  if (!node.defined()) return v;
  if (!node.is_map()) {
    node.Error("expected a mapping");
    return v;
  }
  v.fail_if_matches_regexp = ReadRegexList(node["fail_if_matches_regexp"]);
  v.fail_if_all_match_regexp = ReadRegexList(node["fail_if_all_match_regexp"]);
  v.fail_if_not_matches_regexp = ReadRegexList(node["fail_if_not_matches_regexp"]);
  v.fail_if_none_matches_regexp = ReadRegexList(node["fail_if_none_matches_regexp"]);
  return v;
}

std::optional<std::string> ValidateRecords(const std::vector<ResourceRecord>& records, const RrValidator& v) {
  // The order of checks follows blackbox_exporter 0.23's validRRs, so the first failure named
  // is the one blackbox logs.
  if (records.empty() && !v.fail_if_not_matches_regexp.empty()) {
    return "fail_if_not_matches_regexp specified but no records returned";
  }
  if (records.empty() && !v.fail_if_none_matches_regexp.empty()) {
    return "fail_if_none_matches_regexp specified but no records returned";
  }
  bool any_match = false;
  bool all_match = true;
  for (const ResourceRecord& rr : records) {
    const std::string text = rr.ToString();
    for (const GoRegex& re : v.fail_if_matches_regexp) {
      if (re.Search(text)) return "record \"" + text + "\" matches fail_if_matches_regexp \"" + re.pattern() + "\"";
    }
    for (const GoRegex& re : v.fail_if_all_match_regexp) {
      if (!re.Search(text)) all_match = false;
    }
    for (const GoRegex& re : v.fail_if_not_matches_regexp) {
      if (!re.Search(text)) {
        return "record \"" + text + "\" does not match fail_if_not_matches_regexp \"" + re.pattern() + "\"";
      }
    }
    for (const GoRegex& re : v.fail_if_none_matches_regexp) {
      if (re.Search(text)) any_match = true;
    }
  }
  // Despite its name, blackbox 0.23 fails this check when some record does NOT match.
  if (!v.fail_if_all_match_regexp.empty() && !all_match) return "not every record matches fail_if_all_match_regexp";
  if (!v.fail_if_none_matches_regexp.empty() && !any_match) return "no record matches fail_if_none_matches_regexp";
  return std::nullopt;
}

}  // namespace runbookd::dns
