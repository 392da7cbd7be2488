// Silences through the real daemon: runbookctl with --output json, and raw HTTP for bad bodies.
#include "tests/integration/approvals_api_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace json = boost::json;

TEST_CASE("silences through runbookctl: add, list, expire, end to end in JSON") {
  TempDir dir;
  WriteTokens(dir);
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());

  auto added = Ctl(dir, rb, "operator",
                   {"--output", "json", "silence", "add", "alertname=APIEndpointDown", "namespace=~prod.*",
                    "--duration", "2h", "--comment", "database upgrade"});
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  const auto silence = ParseJson(added.out).as_object();
  const std::string id = std::to_string(silence.at("id").as_int64());
  CHECK(silence.at("created_by").as_string() == "oncall");
  CHECK(silence.at("state").as_string() == "active");
  CHECK(silence.at("comment").as_string() == "database upgrade");
  CHECK(silence.at("matchers") == json::parse(R"([{"name":"alertname","op":"=","value":"APIEndpointDown"},
                                                   {"name":"namespace","op":"=~","value":"prod.*"}])"));

  auto until = Ctl(dir, rb, "operator",
                   {"silence", "add", "action=rollback-backend", "--until", Rfc3339After(std::chrono::hours(3))});
  INFO(until.err);
  CHECK(until.exit_code == 0);
  CHECK(until.out.find("added: action=\"rollback-backend\"") != std::string::npos);

  auto listed = Ctl(dir, rb, "operator", {"silence", "list", "--output", "json"});
  REQUIRE(listed.exit_code == 0);
  CHECK(ParseJson(listed.out).at("silences").as_array().size() == 2);
  auto table = Ctl(dir, rb, "operator", {"silence", "list"});
  CHECK(table.out.find("namespace=~\"prod.*\"") != std::string::npos);

  auto expired = Ctl(dir, rb, "operator", {"--output", "json", "silence", "expire", id});
  INFO(expired.err);
  REQUIRE(expired.exit_code == 0);
  CHECK(ParseJson(expired.out).at("state").as_string() == "expired");
  auto current = ParseJson(Ctl(dir, rb, "operator", {"--output", "json", "silence", "list"}).out);
  REQUIRE(current.at("silences").as_array().size() == 1);
  CHECK(current.at("silences").as_array()[0].at("matchers").as_array()[0].at("name").as_string() == "action");
  auto all = ParseJson(Ctl(dir, rb, "operator", {"--output", "json", "silence", "list", "--all"}).out);
  REQUIRE(all.at("silences").as_array().size() == 2);
  CHECK(all.at("silences").as_array()[1].at("state").as_string() == "expired");

  auto again = Ctl(dir, rb, "operator", {"silence", "expire", id});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("HTTP 409 already_expired") != std::string::npos);
  auto unknown = Ctl(dir, rb, "operator", {"silence", "expire", "999"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("HTTP 404 not_found") != std::string::npos);

  // Silences stop actions: operators only.
  auto reader = Ctl(dir, rb, "reader", {"silence", "list"});
  CHECK(reader.exit_code == 1);
  CHECK(reader.err.find("HTTP 403") != std::string::npos);
  CHECK(Ctl(dir, rb, "alice", {"silence", "add", "a=b", "--duration", "1h"}).exit_code == 1);

  auto everything = Ctl(dir, rb, "operator", {"silence", "add", "env!=dev", "--duration", "1h"});
  CHECK(everything.exit_code == 1);
  CHECK(everything.err.find("HTTP 400 bad_request: $.matchers: at least one matcher must not match the empty") !=
        std::string::npos);
  CHECK(Ctl(dir, rb, "operator", {"silence", "add", "a=b"}).exit_code == 2);
  CHECK(Ctl(dir, rb, "operator", {"silence", "add", "a=b", "--duration", "1h", "--until", "x"}).exit_code == 2);
  CHECK(Ctl(dir, rb, "operator", {"silence", "expire", "x"}).exit_code == 2);
}

TEST_CASE("silence bodies that cannot be used get a 400 naming the JSON path") {
  TempDir dir;
  WriteTokens(dir);
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"matchers": [{"name": "a", "op": "==", "value": "b"}], "duration": "1h"})",
       "$.matchers[0].op: expected one of =, !=, =~, !~"},
      {R"({"matchers": [{"name": "9x", "value": "b"}], "duration": "1h"})",
       "$.matchers[0].name: invalid label name \"9x\""},
      {R"({"matchers": [{"name": "job", "op": "=~", "value": "(x"}], "duration": "1h"})", "$.matchers[0].value: "},
      {R"({"matchers": ["a=b", "nonsense"], "duration": "1h"})", "$.matchers[1]: \"nonsense\" is not a matcher"},
      {R"({"matchers": [], "duration": "1h"})", "$.matchers: expected a non-empty array of matchers"},
      {R"({"duration": "1h"})", "$.matchers: required"},
      {R"({"matchers": ["a=b"], "duration": "soon"})", "$.duration: expected a positive duration"},
      {R"({"matchers": ["a=b"]})", "$.ends_at: required (or duration)"},
      {R"({"matchers": ["a=b"], "ends_at": "tomorrow"})", "$.ends_at: expected an RFC 3339 time"},
      {R"({"matchers": ["a=b"], "ends_at": "2001-01-01T00:00:00Z"})", "$.ends_at: must be after starts_at"},
      {R"({"matchers": ["a=b"], "duration": "1h", "ends_at": "2001-01-01T00:00:00Z"})",
       "$.duration: give ends_at or duration, not both"},
      {R"({"matchers": ["a=b"], "duration": "1h", "comment": 3})", "$.comment: expected a string"},
      {R"({"matchers": ["a=b"], "duration": "1h", "creator": "me"})", "$.creator: unknown key"},
      {R"(["a=b"])", "$: expected an object"},
  };
  for (const auto& [body, expected] : cases) {
    auto answer = Raw(rb, "POST", "/api/v1/silences", "operator-secret", body);
    INFO(body);
    CHECK(answer.status == 400);
    CHECK(ErrorText(answer).rfind(expected, 0) == 0);
    CHECK(answer.body.at("code").as_string() == "bad_request");
  }
  CHECK(Raw(rb, "GET", "/api/v1/silences", "operator-secret").body == json::parse(R"({"silences":[]})"));
  CHECK(Raw(rb, "DELETE", "/api/v1/silences/abc", "operator-secret").status == 400);
}
