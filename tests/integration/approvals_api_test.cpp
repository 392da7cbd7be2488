// Approvals through the real daemon: runbookctl and raw HTTP. Nothing in the daemon requests
// approvals yet, so the tests write them into the store file before the daemon starts, through
// the store's own API: the daemon then finds them as a restart would.
#include <signal.h>

#include "daemon/store/store.hpp"
#include "tests/integration/approvals_api_support.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace json = boost::json;

namespace {

store::ApprovalId Seed(const TempDir& dir, int quorum, std::chrono::seconds expires_in, const std::string& hash) {
  auto opened = store::Store::Open(dir.path() + "/runbookd.db");
  REQUIRE(opened.ok());
  const WallTime now = std::chrono::system_clock::now();
  store::NewApproval a;
  a.action = "rollback-backend";
  a.target = "production/deployment/ecommerce-backend";
  a.plan_hash = hash;
  a.summary = "roll back production/ecommerce-backend from revision 7 to 6";
  a.requested_by = "rule:APIEndpointDown";
  a.requested_at = now - std::chrono::hours(2);
  a.expires_at = now + expires_in;
  a.quorum = quorum;
  auto id = opened->InsertApproval(a);
  REQUIRE(id.ok());
  return *id;
}

json::array Pending(const TempDir& dir, const RunbookdProcess& rb) {
  auto listed = Ctl(dir, rb, "reader", {"--output", "json", "approvals"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  return ParseJson(listed.out).at("approvals").as_array();
}

}  // namespace

TEST_CASE("approvals through runbookctl: quorum of two, duplicate voter, first deny, expiry, roles") {
  TempDir dir;
  WriteTokens(dir);
  const auto quorum2 = Seed(dir, 2, std::chrono::hours(1), "hash-a");
  const auto single = Seed(dir, 1, std::chrono::hours(1), "hash-b");
  const auto overdue = Seed(dir, 1, -std::chrono::hours(1), "hash-c");
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());

  // The overdue one is expired by the daemon's first expiry tick: timeout is deny.
  json::array pending;
  REQUIRE(PollUntil([&] { return (pending = Pending(dir, rb)).size() == 2; }, std::chrono::seconds(15)));
  CHECK(pending[0].at("id").as_int64() == quorum2);
  CHECK(pending[0].at("quorum").as_int64() == 2);
  CHECK(pending[0].at("approvals").as_int64() == 0);
  CHECK(pending[0].at("summary").as_string() == "roll back production/ecommerce-backend from revision 7 to 6");
  auto expired = Ctl(dir, rb, "alice", {"approve", std::to_string(overdue)});
  CHECK(expired.exit_code == 1);
  CHECK(expired.err.find("HTTP 409 expired") != std::string::npos);

  auto table = Ctl(dir, rb, "reader", {"approvals"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("VOTES") != std::string::npos);
  CHECK(table.out.find("production/deployment/ecommerce-backend") != std::string::npos);
  CHECK(table.out.find("0/2") != std::string::npos);
  std::string metrics;
  REQUIRE(PollUntil(
      [&] {
        httplib::Client client("127.0.0.1", rb.port());
        auto res = client.Get("/metrics");
        return res && (metrics = res->body).find("runbookd_approvals_pending 2") != std::string::npos;
      },
      std::chrono::seconds(10)));

  // A reader may look but not vote.
  auto reader = Ctl(dir, rb, "reader", {"approve", std::to_string(quorum2)});
  CHECK(reader.exit_code == 1);
  CHECK(reader.err.find("HTTP 403") != std::string::npos);

  const std::string id = std::to_string(quorum2);
  auto first = Ctl(dir, rb, "alice", {"approve", id, "--comment", "diff looks right"});
  INFO(first.err);
  CHECK(first.exit_code == 0);
  CHECK(first.out.find("approval " + id + ": pending (1/2 approvals)") != std::string::npos);
  auto twice = Ctl(dir, rb, "alice", {"approve", id});
  CHECK(twice.exit_code == 1);
  CHECK(twice.err.find("HTTP 409 duplicate_voter: alice has already voted") != std::string::npos);
  auto second = Ctl(dir, rb, "bob", {"--output", "json", "approve", id});
  INFO(second.err);
  CHECK(second.exit_code == 0);
  const auto approved = ParseJson(second.out).as_object();
  CHECK(approved.at("state").as_string() == "approved");
  CHECK(approved.at("reason").as_string() == "approved by alice (\"diff looks right\"), bob");
  REQUIRE(approved.at("votes").as_array().size() == 2);
  CHECK(approved.at("votes").as_array()[0].at("comment").as_string() == "diff looks right");
  auto after = Ctl(dir, rb, "alice", {"deny", id});
  CHECK(after.exit_code == 1);
  CHECK(after.err.find("HTTP 409 already_decided") != std::string::npos);

  auto denied = Ctl(dir, rb, "bob", {"deny", std::to_string(single), "--comment", "not during the sale"});
  CHECK(denied.exit_code == 0);
  CHECK(denied.out.find("denied (0/1 approvals): denied by bob: not during the sale") != std::string::npos);

  CHECK(Pending(dir, rb).empty());
  auto unknown = Ctl(dir, rb, "alice", {"approve", "999"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("HTTP 404 not_found: no approval 999") != std::string::npos);
  CHECK(Ctl(dir, rb, "alice", {"approve", "abc"}).exit_code == 2);
  CHECK(Raw(rb, "POST", "/api/v1/approvals/abc/approve", "alice-secret").status == 400);
  REQUIRE(PollUntil(
      [&] {
        httplib::Client client("127.0.0.1", rb.port());
        auto res = client.Get("/metrics");
        return res && res->body.find("runbookd_approvals_pending 0") != std::string::npos;
      },
      std::chrono::seconds(10)));
}

TEST_CASE("vote bodies other than a comment object get a 400 naming the JSON path") {
  TempDir dir;
  WriteTokens(dir);
  const auto id = std::to_string(Seed(dir, 1, std::chrono::hours(1), "hash-a"));
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());
  const std::string path = "/api/v1/approvals/" + id + "/approve";
  auto number = Raw(rb, "POST", path, "alice-secret", R"({"comment": 5})");
  CHECK(number.status == 400);
  CHECK(ErrorText(number) == "$.comment: expected a string");
  auto unknown = Raw(rb, "POST", path, "alice-secret", R"({"coment": "typo"})");
  CHECK(unknown.status == 400);
  CHECK(ErrorText(unknown) == "$.coment: unknown key (expected comment)");
  auto broken = Raw(rb, "POST", path, "alice-secret", "{");
  CHECK(broken.status == 400);
  CHECK(ErrorText(broken).rfind("$: not valid JSON", 0) == 0);
  CHECK(Raw(rb, "POST", path, "reader-secret", "{}").status == 403);
  // None of that counted as a vote: an empty body is a vote without a comment.
  auto vote = Raw(rb, "POST", path, "alice-secret");
  CHECK(vote.status == 200);
  CHECK(vote.body.at("state").as_string() == "approved");
  CHECK(vote.body.at("votes").as_array().size() == 1);
}

TEST_CASE("a vote cast before a restart still counts after it") {
  TempDir dir;
  WriteTokens(dir);
  const auto id = std::to_string(Seed(dir, 2, std::chrono::hours(1), "hash-a"));
  {
    RunbookdProcess rb(dir, kApprovalsConfig);
    REQUIRE(rb.WaitReady());
    CHECK(Ctl(dir, rb, "alice", {"approve", id}).exit_code == 0);
    rb.process().Signal(SIGKILL);
    rb.process().Wait(std::chrono::seconds(5));
  }
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());
  auto pending = Pending(dir, rb);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].at("approvals").as_int64() == 1);
  CHECK(Ctl(dir, rb, "alice", {"approve", id}).err.find("duplicate_voter") != std::string::npos);
  auto second = Ctl(dir, rb, "bob", {"approve", id});
  CHECK(second.exit_code == 0);
  CHECK(second.out.find("approved (2/2 approvals)") != std::string::npos);
}

TEST_CASE("with nothing pending the listing is empty") {
  TempDir dir;
  WriteTokens(dir);
  RunbookdProcess rb(dir, kApprovalsConfig);
  REQUIRE(rb.WaitReady());
  auto listed = Ctl(dir, rb, "reader", {"approvals", "--output", "json"});
  INFO(listed.err);
  CHECK(listed.exit_code == 0);
  CHECK(ParseJson(listed.out) == json::parse(R"({"approvals":[]})"));
  CHECK(Raw(rb, "GET", "/api/v1/approvals", "nobody").status == 401);
}
