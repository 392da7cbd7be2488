#include "daemon/gates/silence_book.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/approval_silence_harness.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace runbookd::testing;
using store::SilenceMatcher;
using store::SilenceMatchOp;

namespace {

SilenceMatcher Matcher(const std::string& text) {
  std::string error;
  auto m = ParseSilenceMatcher(text, error);
  INFO(error);
  REQUIRE(m);
  return *m;
}

store::NewSilence Silence(std::vector<std::string> matchers, WallTime starts = At(0), WallTime ends = At(3600)) {
  store::NewSilence s;
  for (const auto& m : matchers) s.matchers.push_back(Matcher(m));
  s.starts_at = starts;
  s.ends_at = ends;
  s.created_by = "oncall";
  s.comment = "database upgrade";
  s.created_at = starts;
  return s;
}

struct Books : BookHarness {
  std::unique_ptr<SilenceBook> book = std::make_unique<SilenceBook>(io.get_executor(), *writer, logger);

  store::SilenceId Add(store::NewSilence s, WallTime now = At(0)) {
    auto answer = Run(book->Add(std::move(s), now));
    INFO(answer.message);
    REQUIRE(answer.ok());
    return answer.silence->id;
  }
};

}  // namespace

TEST_CASE("matchers are read in amtool's syntax") {
  CHECK(Matcher("alertname=APIEndpointDown") == SilenceMatcher{"alertname", SilenceMatchOp::kEqual, "APIEndpointDown"});
  CHECK(Matcher("namespace=~prod.*") == SilenceMatcher{"namespace", SilenceMatchOp::kRegex, "prod.*"});
  CHECK(Matcher("env!=dev") == SilenceMatcher{"env", SilenceMatchOp::kNotEqual, "dev"});
  CHECK(Matcher("team !~ \"a|b\"") == SilenceMatcher{"team", SilenceMatchOp::kNotRegex, "a|b"});
  CHECK(Matcher("msg=\"say \\\"hi\\\"\"") == SilenceMatcher{"msg", SilenceMatchOp::kEqual, "say \"hi\""});
  CHECK(Matcher("empty=") == SilenceMatcher{"empty", SilenceMatchOp::kEqual, ""});
  std::string error;
  CHECK(!ParseSilenceMatcher("alertname", error));
  CHECK(error.find("is not a matcher") != std::string::npos);
  CHECK(!ParseSilenceMatcher("=foo", error));
  CHECK(!ParseSilenceMatcher("a!foo", error));
  CHECK(error.find("no operator") != std::string::npos);
}

TEST_CASE("matching follows Alertmanager: anchored regexes, absent labels read as empty") {
  const std::map<std::string, std::string> labels{{"alertname", "APIEndpointDown"}, {"namespace", "production"}};
  const auto matches = [&](const std::string& text) {
    std::string error;
    auto m = CompileSilenceMatcher(Matcher(text), error);
    REQUIRE(m);
    return m->Matches(labels);
  };
  CHECK(matches("alertname=APIEndpointDown"));
  CHECK(!matches("alertname=APIEndpoint"));
  CHECK(matches("namespace=~prod.*"));
  CHECK(!matches("namespace=~prod"));  // anchored: a prefix is not a match
  CHECK(!matches("namespace=~duct"));
  CHECK(matches("namespace!~stag.*"));
  CHECK(matches("team!=payments"));  // absent: ""
  CHECK(matches("team=~"));
  CHECK(!matches("team=~.+"));
  std::string error;
  CHECK(!CompileSilenceMatcher({"9lives", SilenceMatchOp::kEqual, "x"}, error));
  CHECK(error == "invalid label name \"9lives\"");
  CHECK(!CompileSilenceMatcher({"job", SilenceMatchOp::kRegex, "(unclosed"}, error));
  CHECK(error.find("invalid regular expression") != std::string::npos);
}

TEST_CASE("a silence must name something, end after it starts, and not be over already") {
  CHECK(CheckNewSilence(Silence({"alertname=Foo"}), At(10)).empty());
  CHECK(CheckNewSilence(Silence({}), At(10)) == "a silence needs at least one matcher");
  CHECK(CheckNewSilence(Silence({"env!=dev"}), At(10)).find("must not match the empty string") != std::string::npos);
  CHECK(CheckNewSilence(Silence({"alertname=Foo"}, At(60), At(60)), At(10)) == "ends_at must be after starts_at");
  CHECK(CheckNewSilence(Silence({"alertname=Foo"}, At(0), At(5)), At(10)) == "ends_at is in the past");
  CHECK(CheckNewSilence(Silence({"job=~(x"}), At(10)).find("invalid regular expression") != std::string::npos);
}

TEST_CASE("an active silence matches while it lasts, the gate denies with its reason") {
  Books b;
  const auto id = b.Add(Silence({"alertname=APIEndpointDown", "namespace=~prod.*"}, At(0), At(3600)));
  const auto later = b.Add(Silence({"action=rollback-backend"}, At(600), At(1200)));
  const std::map<std::string, std::string> labels{
      {"alertname", "APIEndpointDown"}, {"namespace", "production"}, {"action", "rollback-backend"}};
  CHECK(b.book->Matches(labels, At(10)) == std::vector<store::SilenceId>{id});
  CHECK(b.book->Matches(labels, At(700)) == std::vector<store::SilenceId>{id, later});
  CHECK(b.book->Matches(labels, At(3600)).empty());
  CHECK(b.book->Matches({{"alertname", "APIEndpointDown"}, {"namespace", "staging"}}, At(10)).empty());
  CHECK(b.book->Current(At(10)).size() == 2);

  GateRequest request;
  request.labels = labels;
  request.now = At(10);
  const GateDecision silenced = b.book->Check(request);
  CHECK(silenced.verdict == GateVerdict::kDeny);
  CHECK(silenced.gate == "silence");
  CHECK(silenced.reason ==
        "silenced by silence " + std::to_string(id) + " until 2027-01-15T09:00:00Z (database upgrade)");
  request.now = At(4000);
  CHECK(b.book->Check(request).verdict == GateVerdict::kAllow);
}

TEST_CASE("expiring a silence stops it matching at once, unknown and ended ones are refused") {
  Books b;
  const auto id = b.Add(Silence({"alertname=APIEndpointDown"}));
  const std::map<std::string, std::string> labels{{"alertname", "APIEndpointDown"}};
  CHECK(b.book->Matches(labels, At(10)).size() == 1);
  auto expired = b.Run(b.book->Expire(id, At(10)));
  REQUIRE(expired.ok());
  CHECK(expired.silence->expired_at == At(10));
  CHECK(b.book->Matches(labels, At(10)).empty());
  CHECK(b.book->Current(At(10)).empty());
  CHECK(b.Run(b.book->Expire(id, At(11))).error == SilenceError::kAlreadyExpired);
  CHECK(b.Run(b.book->Expire(999, At(11))).error == SilenceError::kNotFound);
  auto all = b.Run(b.book->All(10));
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
}

TEST_CASE("an invalid silence is refused before anything is stored") {
  Books b;
  auto answer = b.Run(b.book->Add(Silence({"env!=dev"}), At(0)));
  CHECK(answer.error == SilenceError::kInvalid);
  auto all = b.Run(b.book->All(10));
  CHECK(all->empty());
}

TEST_CASE("silences not yet ended are reloaded from the store after a restart") {
  Books b;
  const auto id = b.Add(Silence({"alertname=APIEndpointDown"}));
  const auto gone = b.Add(Silence({"alertname=Other"}));
  REQUIRE(b.Run(b.book->Expire(gone, At(5))).ok());
  b.book.reset();
  store::Store reopened = b.Reopen();
  auto current = reopened.ListSilences(store::SilenceFilter{.now = At(10)});
  REQUIRE(current.ok());
  b.Start(std::move(reopened));
  b.book = std::make_unique<SilenceBook>(b.io.get_executor(), *b.writer, b.logger);
  b.book->Restore(*current);
  CHECK(b.book->Matches({{"alertname", "APIEndpointDown"}}, At(10)) == std::vector<store::SilenceId>{id});
  CHECK(b.book->Matches({{"alertname", "Other"}}, At(10)).empty());
}
