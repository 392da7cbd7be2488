#include <catch2/catch.hpp>

#include "daemon/rules/label_matcher.hpp"

using namespace runbookd::rules;

namespace {

LabelMatcher Matcher(const std::string& name, const std::string& text) {
  ParsedMatcher parsed = ParseLabelMatcher(name, text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  return parsed.matcher;
}

const LabelSet kApi = {{"alertname", "APIEndpointDown"}, {"service", "api"}, {"severity", "critical"}};

}  // namespace

TEST_CASE("a plain value or a leading = is equality", "[rules][matcher]") {
  CHECK(Matcher("service", "api").op == MatchOp::kEqual);
  CHECK(Matcher("service", "api").Matches(kApi));
  CHECK_FALSE(Matcher("service", "ap").Matches(kApi));
  // "=" lets a value start with an operator: "==~x" is the literal "=~x".
  CHECK(Matcher("service", "=api").Matches(kApi));
  CHECK(Matcher("x", "==~y").value == "=~y");
  CHECK(Matcher("x", "==~y").Matches({{"x", "=~y"}}));
}

TEST_CASE("!= matches other values and an absent label", "[rules][matcher]") {
  const LabelMatcher m = Matcher("service", "!=foo");
  CHECK(m.op == MatchOp::kNotEqual);
  CHECK(m.Matches(kApi));
  CHECK_FALSE(m.Matches({{"service", "foo"}}));
  CHECK(m.Matches({}));
  // Spaces after an operator are dropped.
  CHECK(Matcher("service", "!= foo").value == "foo");
}

TEST_CASE("=~ is anchored at both ends", "[rules][matcher]") {
  const LabelMatcher m = Matcher("severity", "=~critical|page");
  CHECK(m.op == MatchOp::kRegex);
  CHECK(m.Matches(kApi));
  CHECK(m.Matches({{"severity", "page"}}));
  CHECK_FALSE(m.Matches({{"severity", "critical-ish"}}));
  CHECK_FALSE(m.Matches({{"severity", "not-critical"}}));
  CHECK_FALSE(m.Matches({{"severity", "pager"}}));  // the alternation is grouped, not "critical|page.*"
  CHECK_FALSE(m.Matches({}));
  CHECK(Matcher("severity", "=~crit.*").Matches(kApi));
}

TEST_CASE("!~ is the anchored negation and matches an absent label", "[rules][matcher]") {
  const LabelMatcher m = Matcher("env", "!~staging|dev");
  CHECK(m.op == MatchOp::kNotRegex);
  CHECK(m.Matches({{"env", "prod"}}));
  CHECK(m.Matches({{"env", "staging-2"}}));
  CHECK_FALSE(m.Matches({{"env", "dev"}}));
  CHECK(m.Matches({}));
}

TEST_CASE("an absent label is the empty string, as in Alertmanager", "[rules][matcher]") {
  CHECK(Matcher("team", "").Matches({}));
  CHECK(Matcher("team", "=").Matches({{"team", ""}}));
  CHECK_FALSE(Matcher("team", "").Matches({{"team", "sre"}}));
  CHECK(Matcher("team", "=~.*").Matches({}));
  CHECK_FALSE(Matcher("team", "=~.+").Matches({}));
  CHECK_FALSE(Matcher("team", "!~.*").Matches({}));
}

TEST_CASE("a leading (?i) makes a regex case-insensitive", "[rules][matcher]") {
  CHECK(Matcher("severity", "=~(?i)CRITICAL").Matches(kApi));
  CHECK_FALSE(Matcher("severity", "=~CRITICAL").Matches(kApi));
}

TEST_CASE("an invalid regex is an error value", "[rules][matcher]") {
  ParsedMatcher parsed = ParseLabelMatcher("severity", "=~(critical");
  CHECK_FALSE(parsed.ok());
  CHECK(parsed.error == "invalid regular expression \"(critical\": Mismatched '(' and ')' in regular expression");
  // Valid only once wrapped in ^(?:...)$ still counts as invalid.
  CHECK(ParseLabelMatcher("x", "=~a)|(b").error ==
        "invalid regular expression \"a)|(b\": Mismatched '(' and ')' in regular expression");
  CHECK(ParseLabelMatcher("x", "!~[a").error ==
        "invalid regular expression \"[a\": Unexpected character within '[...]' in regular expression");
  // RE2 syntax that ECMAScript lacks is rejected, not misread.
  CHECK(ParseLabelMatcher("x", "=~(?P<name>a)").error ==
        "invalid regular expression \"(?P<name>a)\": Invalid '(?...)' zero-width assertion in regular expression");
}

TEST_CASE("matchers print in Alertmanager syntax", "[rules][matcher]") {
  CHECK(Matcher("severity", "=~critical|page").ToString() == "severity=~\"critical|page\"");
  CHECK(Matcher("service", "!=fo\"o").ToString() == "service!=\"fo\\\"o\"");
  CHECK(FormatLabels({{"service", "api"}, {"env", "prod"}}) == "env=\"prod\",service=\"api\"");
  CHECK(IsValidLabelName("service_2"));
  CHECK_FALSE(IsValidLabelName("2service"));
  CHECK_FALSE(IsValidLabelName("service-name"));
}
