#include "daemon/core/go_regex.hpp"

#include <boost/regex.hpp>
#include <cctype>

namespace runbookd {

struct GoRegex::Impl {
  boost::regex re;
};

namespace {

// Go's defaults: ^ and $ only at the ends of the text (no_mod_m), . never matches \n (no_mod_s).
constexpr auto kSyntax = boost::regex::perl | boost::regex::no_mod_m | boost::regex::no_mod_s;

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Go names groups (?P<name>...); Boost.Regex spells it (?<name>...).
std::string ToPerlSyntax(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {  // an escaped character stays as it is
      out += pattern[i];
      out += pattern[++i];
      continue;
    }
    if (pattern.substr(i, 4) == "(?P<") {
      out += "(?<";
      i += 3;
      continue;
    }
    out += pattern[i];
  }
  return out;
}

}  // namespace

std::optional<GoRegex> GoRegex::Compile(std::string_view pattern, std::string& error) {
  try {
    auto impl = std::make_shared<Impl>();
    impl->re.assign(ToPerlSyntax(pattern), kSyntax);
    return GoRegex(std::move(impl), std::string(pattern));
  } catch (const boost::regex_error& e) {
    error = "invalid regular expression \"" + std::string(pattern) + "\": " + e.what();
    return std::nullopt;
  }
}

bool GoRegex::Search(std::string_view text) const {
  try {
    return boost::regex_search(text.begin(), text.end(), impl_->re);
  } catch (const std::runtime_error&) {
    return false;  // the matcher gave up (pathological backtracking): treat as no match
  }
}

std::optional<std::string> GoRegex::SearchAndExpand(std::string_view text, std::string_view tmpl) const {
  boost::match_results<std::string_view::const_iterator> match;
  try {
    if (!boost::regex_search(text.begin(), text.end(), match, impl_->re)) return std::nullopt;
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
  const auto group = [&](std::string_view name) -> std::string {
    bool numeric = !name.empty();
    for (char c : name) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
    if (numeric) {
      if (name.size() > 6) return {};
      const unsigned long index = std::stoul(std::string(name));
      if (index >= match.size() || !match[index].matched) return {};
      return match[index].str();
    }
    const std::string key(name);
    const auto& sub = match[key.c_str()];
    return sub.matched ? sub.str() : std::string();
  };

  // Go's Regexp.Expand: $name takes the longest run of [A-Za-z0-9_]; ${name} is explicit; a
  // malformed reference leaves the $ as text.
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (tmpl[i + 1] == '{') {
      const size_t close = tmpl.find('}', i + 2);
      std::string_view name = close == std::string_view::npos ? std::string_view() : tmpl.substr(i + 2, close - i - 2);
      bool valid = !name.empty();
      for (char c : name) valid = valid && IsNameChar(c);
      if (!valid) {
        out += '$';
        continue;
      }
      out += group(name);
      i = close;
      continue;
    }
    size_t end = i + 1;
    while (end < tmpl.size() && IsNameChar(tmpl[end])) ++end;
    if (end == i + 1) {
      out += '$';
      continue;
    }
    out += group(tmpl.substr(i + 1, end - i - 1));
    i = end - 1;
  }
  return out;
}

}  // namespace runbookd
