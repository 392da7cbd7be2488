#include <catch2/catch.hpp>

#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"
#include "tests/unit/store_test_support.hpp"

using namespace runbookd;
using namespace runbookd::store;
using namespace runbookd::testing;

namespace {

Store OpenStore(const std::string& path) {
  auto store = Store::Open(path);
  REQUIRE(store.ok());
  return std::move(store).value();
}

NewApproval Approval(int quorum, WallTime at = At(0), WallTime expires = At(600)) {
  NewApproval a;
  a.incident_id = std::nullopt;
  a.action = "rollback-backend";
  a.target = "production/deployment/ecommerce-backend";
  a.plan_hash = "hash-1";
  a.summary = "roll back production/ecommerce-backend from revision 7 to 6";
  a.plan_json = R"({"summary":"roll back"})";
  a.requested_by = "rule:APIEndpointDown";
  a.requested_at = at;
  a.expires_at = expires;
  a.quorum = quorum;
  return a;
}

ApprovalVote Vote(const std::string& who, ApprovalVerdict verdict, WallTime at, const std::string& comment = {}) {
  return ApprovalVote{who, verdict, comment, at};
}

}  // namespace

TEST_CASE("an approval is stored with what approvers are shown and read back pending") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  CHECK(store.SchemaVersion().value() == schema::CurrentVersion());
  auto id = store.InsertApproval(Approval(2));
  REQUIRE(id.ok());
  auto got = store.GetApproval(*id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const ApprovalRecord& a = **got;
  CHECK(a.state == ApprovalState::kPending);
  CHECK(a.action == "rollback-backend");
  CHECK(a.target == "production/deployment/ecommerce-backend");
  CHECK(a.summary.find("revision 7 to 6") != std::string::npos);
  CHECK(a.plan_json == R"({"summary":"roll back"})");
  CHECK(a.requested_by == "rule:APIEndpointDown");
  CHECK(a.quorum == 2);
  CHECK(a.expires_at == At(600));
  CHECK(!a.decided_at);
  CHECK(a.votes.empty());
  CHECK(store.ListPendingApprovals()->size() == 1);
  CHECK(!store.GetApproval(*id + 1)->has_value());
}

TEST_CASE("an approval without a quorum, a plan hash or a future expiry is refused") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  CHECK(store.InsertApproval(Approval(0)).error().code == ErrorCode::kInvalidArgument);
  CHECK(store.InsertApproval(Approval(1, At(10), At(10))).error().code == ErrorCode::kInvalidArgument);
  NewApproval no_hash = Approval(1);
  no_hash.plan_hash.clear();
  CHECK(store.InsertApproval(no_hash).error().code == ErrorCode::kInvalidArgument);
  CHECK(store.ListPendingApprovals()->empty());
}

TEST_CASE("the store approves at a quorum of distinct approvers and refuses a second vote by the same one") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const ApprovalId id = store.InsertApproval(Approval(2)).value();
  auto first = store.AddApprovalVote(id, Vote("alice", ApprovalVerdict::kApprove, At(1)));
  REQUIRE(first.ok());
  CHECK(!first->refused);
  CHECK(!first->decided);
  CHECK(first->approval.state == ApprovalState::kPending);
  CHECK(first->approval.approve_votes() == 1);

  auto again = store.AddApprovalVote(id, Vote("alice", ApprovalVerdict::kApprove, At(2)));
  REQUIRE(again.ok());
  CHECK(again->refused == ApprovalRefusal::kDuplicateVoter);
  CHECK(again->approval.votes.size() == 1);

  auto second = store.AddApprovalVote(id, Vote("bob", ApprovalVerdict::kApprove, At(3), "checked the diff"));
  REQUIRE(second.ok());
  CHECK(second->decided);
  CHECK(second->approval.state == ApprovalState::kApproved);
  CHECK(second->approval.decided_at == At(3));
  CHECK(second->approval.reason == "approved by alice, bob (\"checked the diff\")");  // with the comments

  const ApprovalRecord stored = store.GetApproval(id).value().value();
  CHECK(stored.state == ApprovalState::kApproved);
  REQUIRE(stored.votes.size() == 2);
  CHECK(stored.votes[1].comment == "checked the diff");
  CHECK(store.ListPendingApprovals()->empty());
  CHECK(store.AddApprovalVote(id, Vote("carol", ApprovalVerdict::kDeny, At(4)))->refused ==
        ApprovalRefusal::kAlreadyDecided);
}

TEST_CASE("the store denies at the first deny, even with approvals short of the quorum") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const ApprovalId id = store.InsertApproval(Approval(3)).value();
  REQUIRE(store.AddApprovalVote(id, Vote("alice", ApprovalVerdict::kApprove, At(1))).ok());
  auto deny = store.AddApprovalVote(id, Vote("bob", ApprovalVerdict::kDeny, At(2), "not during the sale"));
  REQUIRE(deny.ok());
  CHECK(deny->decided);
  CHECK(deny->approval.state == ApprovalState::kDenied);
  CHECK(deny->approval.reason == "denied by bob: not during the sale");
}

TEST_CASE("pending approvals past their expiry expire together, and a late vote expires one instead of counting") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const ApprovalId early = store.InsertApproval(Approval(1, At(0), At(60))).value();
  const ApprovalId late = store.InsertApproval(Approval(1, At(0), At(600))).value();
  const ApprovalId voted_late = store.InsertApproval(Approval(1, At(0), At(30))).value();
  auto vote = store.AddApprovalVote(voted_late, Vote("alice", ApprovalVerdict::kApprove, At(30)));
  REQUIRE(vote.ok());
  CHECK(vote->refused == ApprovalRefusal::kExpired);
  CHECK(vote->decided);
  CHECK(vote->approval.state == ApprovalState::kExpired);
  CHECK(vote->approval.votes.empty());

  CHECK(store.ExpireApprovals(At(59))->empty());
  auto expired = store.ExpireApprovals(At(60));
  REQUIRE(expired.ok());
  REQUIRE(expired->size() == 1);
  CHECK((*expired)[0].id == early);
  CHECK((*expired)[0].state == ApprovalState::kExpired);
  CHECK((*expired)[0].decided_at == At(60));
  CHECK((*expired)[0].reason == "expired with 0 of 1 approvals");
  REQUIRE(store.ListPendingApprovals()->size() == 1);
  CHECK(store.ListPendingApprovals()->front().id == late);
  CHECK(store.AddApprovalVote(early, Vote("bob", ApprovalVerdict::kApprove, At(61)))->refused ==
        ApprovalRefusal::kExpired);
}

TEST_CASE("an approval is ended by hand only as denied or expired, and an approved one can still be invalidated") {
  TempDir dir;
  Store store = OpenStore(dir.path() + "/runbookd.db");
  const ApprovalId id = store.InsertApproval(Approval(1)).value();
  CHECK(store.DecideApproval(id, ApprovalState::kApproved, At(1), "", false).error().code ==
        ErrorCode::kInvalidArgument);
  CHECK(store.DecideApproval(999, ApprovalState::kDenied, At(1), "x", true).error().code == ErrorCode::kNotFound);
  auto invalidated = store.DecideApproval(id, ApprovalState::kDenied, At(2), "the plan changed", true);
  REQUIRE(invalidated.ok());
  CHECK(invalidated->decided);
  CHECK(invalidated->approval.invalidated);
  CHECK(invalidated->approval.reason == "the plan changed");
  CHECK(store.DecideApproval(id, ApprovalState::kDenied, At(3), "again", true)->refused ==
        ApprovalRefusal::kAlreadyDecided);

  const ApprovalId approved = store.InsertApproval(Approval(1)).value();
  REQUIRE(store.AddApprovalVote(approved, Vote("alice", ApprovalVerdict::kApprove, At(1)))->decided);
  auto stale = store.DecideApproval(approved, ApprovalState::kDenied, At(5), "the deployment moved on", true);
  REQUIRE(stale.ok());
  CHECK(!stale->decided);  // decided once already, when approved
  CHECK(stale->approval.state == ApprovalState::kDenied);
  CHECK(stale->approval.reason == "approved by alice; then invalidated: the deployment moved on");
}

TEST_CASE("approvals and their votes survive reopening the store") {
  TempDir dir;
  const std::string path = dir.path() + "/runbookd.db";
  ApprovalId id = 0;
  {
    Store store = OpenStore(path);
    id = store.InsertApproval(Approval(2)).value();
    REQUIRE(store.AddApprovalVote(id, Vote("alice", ApprovalVerdict::kApprove, At(1), "ok")).ok());
  }
  Store store = OpenStore(path);
  auto pending = store.ListPendingApprovals();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].id == id);
  REQUIRE((*pending)[0].votes.size() == 1);
  CHECK((*pending)[0].votes[0].approver == "alice");
  CHECK((*pending)[0].votes[0].comment == "ok");
}
