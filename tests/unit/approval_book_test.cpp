#include "daemon/gates/approval_book.hpp"

#include <catch2/catch.hpp>

#include "tests/support/manual_clock.hpp"
#include "tests/unit/approval_silence_harness.hpp"

using namespace runbookd;
using namespace runbookd::gates;
using namespace runbookd::testing;
using store::ApprovalState;
using store::ApprovalVerdict;

namespace {

store::NewApproval Request(int quorum, WallTime expires = At(600), const std::string& hash = "hash-1") {
  store::NewApproval a;
  a.incident_id = std::nullopt;
  a.action = "rollback-backend";
  a.target = "production/deployment/ecommerce-backend";
  a.plan_hash = hash;
  a.summary = "roll back from revision 7 to 6";
  a.requested_by = "rule:APIEndpointDown";
  a.requested_at = At(0);
  a.expires_at = expires;
  a.quorum = quorum;
  return a;
}

struct Books : BookHarness {
  std::unique_ptr<ApprovalBook> book;
  std::vector<ApprovalDecision> decisions;
  size_t gauge = 99;

  Books() { Attach(); }
  void Attach() {
    book = std::make_unique<ApprovalBook>(io.get_executor(), *writer, logger);
    book->SetPendingGauge([this](size_t n) { gauge = n; });
    book->OnDecided([this](const ApprovalDecision& d) { decisions.push_back(d); });
  }
  store::ApprovalId Ask(store::NewApproval request) {
    auto id = Run(book->Request(std::move(request)));
    REQUIRE(id.ok());
    return *id;
  }
  ApprovalAnswer Vote(store::ApprovalId id, const std::string& who, ApprovalVerdict verdict, WallTime at) {
    return Run(book->Vote(id, who, verdict, "", at));
  }
};

}  // namespace

TEST_CASE("a request is pending and counted once it is durable") {
  Books b;
  CHECK(b.gauge == 0);
  const auto id = b.Ask(Request(1));
  CHECK(b.gauge == 1);
  REQUIRE(b.book->Pending().size() == 1);
  CHECK(b.book->Pending()[0].id == id);
  CHECK(b.book->FindPending("hash-1")->id == id);
  CHECK(!b.book->FindPending("hash-2"));
  auto store = b.Reopen();
  CHECK(store.GetApproval(id).value().value().state == ApprovalState::kPending);
}

TEST_CASE("a quorum of two needs two distinct approvers, the same approver twice is refused") {
  Books b;
  const auto id = b.Ask(Request(2));
  std::optional<GateDecision> awaited;
  boost::asio::co_spawn(b.io, Into(b.book->AwaitDecision(id), &awaited), boost::asio::detached);

  auto first = b.Vote(id, "alice", ApprovalVerdict::kApprove, At(1));
  REQUIRE(first.ok());
  CHECK(first.approval->state == ApprovalState::kPending);
  CHECK(first.approval->approve_votes() == 1);
  CHECK(!awaited);

  auto twice = b.Vote(id, "alice", ApprovalVerdict::kApprove, At(2));
  CHECK(twice.error == ApprovalError::kDuplicateVoter);
  CHECK(twice.message == "alice has already voted on approval " + std::to_string(id));
  CHECK(b.decisions.empty());

  auto second = b.Vote(id, "bob", ApprovalVerdict::kApprove, At(3));
  REQUIRE(second.ok());
  CHECK(second.approval->state == ApprovalState::kApproved);
  REQUIRE(b.decisions.size() == 1);
  CHECK(b.decisions[0].approved());
  CHECK(b.decisions[0].approval.id == id);
  CHECK(b.gauge == 0);
  CHECK(b.book->Pending().empty());
  REQUIRE(RunUntil(b.io, [&] { return awaited.has_value(); }));
  CHECK(awaited->verdict == GateVerdict::kAllow);
  CHECK(awaited->reason == "approval " + std::to_string(id) + " approved by alice, bob");

  auto late = b.Vote(id, "carol", ApprovalVerdict::kApprove, At(4));
  CHECK(late.error == ApprovalError::kAlreadyDecided);
  CHECK(b.decisions.size() == 1);
}

TEST_CASE("the first deny decides, whatever approvals came before") {
  Books b;
  const auto id = b.Ask(Request(2));
  REQUIRE(b.Vote(id, "alice", ApprovalVerdict::kApprove, At(1)).ok());
  auto deny = b.Run(b.book->Vote(id, "bob", ApprovalVerdict::kDeny, "not during the sale", At(2)));
  REQUIRE(deny.ok());
  CHECK(deny.approval->state == ApprovalState::kDenied);
  REQUIRE(b.decisions.size() == 1);
  CHECK(!b.decisions[0].approved());
  CHECK(b.decisions[0].approval.reason == "denied by bob: not during the sale");
  auto gate = b.Run(b.book->AwaitDecision(id));
  CHECK(gate.verdict == GateVerdict::kDeny);
  CHECK(b.Vote(id, "carol", ApprovalVerdict::kApprove, At(3)).error == ApprovalError::kAlreadyDecided);
}

TEST_CASE("an approval not decided in time expires, which is a deny") {
  Books b;
  const auto id = b.Ask(Request(1, At(60)));
  const auto other = b.Ask(Request(1, At(600), "hash-2"));
  std::optional<GateDecision> awaited;
  boost::asio::co_spawn(b.io, Into(b.book->AwaitDecision(id), &awaited), boost::asio::detached);

  CHECK(b.Run(b.book->ExpireDue(At(59)))->empty());
  auto expired = b.Run(b.book->ExpireDue(At(60)));
  REQUIRE(expired.ok());
  CHECK(*expired == std::vector<store::ApprovalId>{id});
  REQUIRE(b.decisions.size() == 1);
  CHECK(b.decisions[0].approval.state == ApprovalState::kExpired);
  CHECK(b.gauge == 1);
  REQUIRE(RunUntil(b.io, [&] { return awaited.has_value(); }));
  CHECK(awaited->verdict == GateVerdict::kDeny);
  CHECK(awaited->reason == "approval " + std::to_string(id) + " expired with 0 of 1 approvals");

  auto late = b.Vote(id, "alice", ApprovalVerdict::kApprove, At(61));
  CHECK(late.error == ApprovalError::kExpired);
  // A vote that arrives after the expiry, before any tick noticed it, expires it too.
  auto too_late = b.Vote(other, "alice", ApprovalVerdict::kApprove, At(600));
  CHECK(too_late.error == ApprovalError::kExpired);
  CHECK(b.decisions.size() == 2);
  CHECK(b.gauge == 0);
}

TEST_CASE("the expiry ticks follow the clock") {
  Books b;
  ManualClock clock;
  store::NewApproval request = Request(1);
  request.requested_at = clock.WallNow();
  request.expires_at = clock.WallNow() + std::chrono::minutes(5);
  const auto id = b.Ask(request);
  b.book->Start(clock, std::chrono::milliseconds(5));
  clock.Advance(std::chrono::minutes(5));
  REQUIRE(RunUntil(b.io, [&] { return !b.decisions.empty(); }));
  CHECK(b.decisions[0].approval.id == id);
  CHECK(b.decisions[0].approval.state == ApprovalState::kExpired);
  b.book->Stop();
}

TEST_CASE("invalidating denies with the reason, and later votes hear that the plan changed") {
  Books b;
  const auto id = b.Ask(Request(2));
  auto invalidated = b.Run(b.book->Invalidate(id, "deployment ecommerce-backend changed since the plan", At(5)));
  REQUIRE(invalidated.ok());
  CHECK(invalidated.approval->state == ApprovalState::kDenied);
  CHECK(invalidated.approval->invalidated);
  REQUIRE(b.decisions.size() == 1);
  CHECK(DecisionOf(b.decisions[0].approval).reason ==
        "approval " + std::to_string(id) + " invalidated: deployment ecommerce-backend changed since the plan");
  auto vote = b.Vote(id, "alice", ApprovalVerdict::kApprove, At(6));
  CHECK(vote.error == ApprovalError::kPlanChanged);
  CHECK(b.Run(b.book->Invalidate(999, "x", At(7))).error == ApprovalError::kNotFound);
  CHECK(b.Vote(999, "alice", ApprovalVerdict::kApprove, At(7)).error == ApprovalError::kNotFound);
}

TEST_CASE("pending approvals and their votes are reloaded from the store after a restart") {
  Books b;
  const auto id = b.Ask(Request(2));
  const auto decided = b.Ask(Request(1, At(600), "hash-2"));
  REQUIRE(b.Vote(id, "alice", ApprovalVerdict::kApprove, At(1)).ok());
  REQUIRE(b.Vote(decided, "alice", ApprovalVerdict::kDeny, At(1)).ok());
  b.book.reset();
  store::Store reopened = b.Reopen();
  auto pending = reopened.ListPendingApprovals();
  REQUIRE(pending.ok());
  b.Start(std::move(reopened));
  b.Attach();
  b.book->Restore(std::move(*pending));
  CHECK(b.gauge == 1);
  REQUIRE(b.book->Pending().size() == 1);
  CHECK(b.book->Pending()[0].votes.size() == 1);
  CHECK(b.Vote(id, "alice", ApprovalVerdict::kApprove, At(2)).error == ApprovalError::kDuplicateVoter);
  auto second = b.Vote(id, "bob", ApprovalVerdict::kApprove, At(3));
  REQUIRE(second.ok());
  CHECK(second.approval->state == ApprovalState::kApproved);
  auto got = b.Run(b.book->Get(decided));
  REQUIRE(got.ok());
  CHECK((*got)->state == ApprovalState::kDenied);
}

TEST_CASE("stopping ends every wait with a deny") {
  Books b;
  const auto id = b.Ask(Request(1));
  std::optional<GateDecision> awaited;
  boost::asio::co_spawn(b.io, Into(b.book->AwaitDecision(id), &awaited), boost::asio::detached);
  if (b.io.stopped()) b.io.restart();
  b.io.poll();  // the wait starts
  b.book->Stop();
  REQUIRE(RunUntil(b.io, [&] { return awaited.has_value(); }));
  CHECK(awaited->verdict == GateVerdict::kDeny);
  CHECK(b.Run(b.book->AwaitDecision(999)).verdict == GateVerdict::kDeny);
}

TEST_CASE("an approval request binds to the plan's hash and expires after the timeout") {
  ActionPlan plan;
  plan.action = "rollback-backend";
  plan.type = "k8s_rollout_undo";
  plan.target = "production/deployment/ecommerce-backend";
  plan.summary = "roll back";
  GateRequest request;
  request.plan = &plan;
  request.action = "rollback-backend";
  request.incident_id = 7;
  request.now = At(0);
  const auto a = MakeApprovalRequest(request, plan, 2, std::chrono::minutes(15), "rule:APIEndpointDown");
  CHECK(a.plan_hash == plan.Hash());
  CHECK(a.incident_id == 7);
  CHECK(a.expires_at == At(900));
  CHECK(a.quorum == 2);
  CHECK(a.summary == "roll back");
  CHECK(DecisionOf(store::ApprovalRecord{}).verdict == GateVerdict::kPending);
}
