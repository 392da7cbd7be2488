#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/gate.hpp"
#include "daemon/store/records_gates.hpp"
#include "daemon/store/store_writer.hpp"

namespace spdlog {
class logger;
}

// Self-hosted approvals bound to the exact plan, with quorum, timeout = deny, and an audit trail
// (ARCHITECTURE.md §5, lesson 4: waiting states are durable and time-bounded).
namespace runbookd::gates {

// Why a vote (or an invalidation) was refused. ToString gives the API's error code.
enum class ApprovalError { kNotFound, kAlreadyDecided, kExpired, kDuplicateVoter, kPlanChanged, kStoreUnavailable };
std::string_view ToString(ApprovalError error);  // "not_found", "already_decided", "expired", ...

struct ApprovalAnswer {
  std::optional<store::ApprovalRecord> approval;  // as it stands now (set when ok, and when refused if known)
  std::optional<ApprovalError> error;
  std::string message;  // one line, for the API and logs
  bool ok() const { return !error.has_value(); }
};

// What OnDecided observers get: the approval once it left pending (approved, denied, expired).
struct ApprovalDecision {
  store::ApprovalRecord approval;
  bool approved() const { return approval.state == store::ApprovalState::kApproved; }
};

// The approval gate's answer for an approval as it stands: pending until expires_at, allow when
// approved, deny otherwise (denied, expired and invalidated alike).
GateDecision DecisionOf(const store::ApprovalRecord& approval);

// The approval request for a planned run: bound to plan.Hash(), expiring `timeout` after request.now.
store::NewApproval MakeApprovalRequest(const GateRequest& request, const ActionPlan& plan, int quorum,
                                       std::chrono::milliseconds timeout, std::string requested_by);

// The pending approvals, on the core's io_context (every method is called there). The store is the
// source of truth: each change is one StoreWriter job that re-reads the approval, so concurrent
// votes and invalidations are decided in the order the writer runs them, and each approval is
// decided exactly once (OnDecided fires once). What is in memory is the pending set, for listing
// and the runbookd_approvals_pending gauge.
class ApprovalBook {
 public:
  ApprovalBook(boost::asio::any_io_executor executor, store::StoreWriter& writer,
               std::shared_ptr<spdlog::logger> logger);
  ~ApprovalBook();
  ApprovalBook(const ApprovalBook&) = delete;
  ApprovalBook& operator=(const ApprovalBook&) = delete;

  // Called with the number of pending approvals whenever it may have changed.
  void SetPendingGauge(std::function<void(size_t)> gauge);
  // Called once per approval when it is decided (after the decision is durable).
  void OnDecided(std::function<void(const ApprovalDecision&)> observer);
  // The pending approvals the previous run left (Store::ListPendingApprovals before the writer starts).
  void Restore(std::vector<store::ApprovalRecord> pending);
  // Expires due approvals every `period` by `clock`'s wall time, until Stop.
  void Start(const Clock& clock, std::chrono::milliseconds period = std::chrono::seconds(1));
  // Stops the expiry ticks and ends every AwaitDecision with a deny.
  void Stop();

  // Durable before it returns: the new approval's id.
  boost::asio::awaitable<store::Result<store::ApprovalId>> Request(store::NewApproval request);
  // One approver's vote at `now`; the approval as decided or still pending, or why not.
  boost::asio::awaitable<ApprovalAnswer> Vote(store::ApprovalId id, std::string approver,
                                              store::ApprovalVerdict verdict, std::string comment, WallTime now);
  // The plan no longer holds (the world changed, the incident resolved): denied with `reason`.
  boost::asio::awaitable<ApprovalAnswer> Invalidate(store::ApprovalId id, std::string reason, WallTime now);
  // Pending approvals whose expiry is at or before `now` become expired (a deny); their ids.
  boost::asio::awaitable<store::Result<std::vector<store::ApprovalId>>> ExpireDue(WallTime now);
  // Completes when `id` is decided (DecisionOf), at once when it already is; deny for an unknown
  // id, a store failure, or Stop.
  boost::asio::awaitable<GateDecision> AwaitDecision(store::ApprovalId id);
  // One approval, decided or not, with its votes.
  boost::asio::awaitable<store::Result<std::optional<store::ApprovalRecord>>> Get(store::ApprovalId id);

  std::vector<store::ApprovalRecord> Pending() const;  // oldest first
  // The pending approval bound to `plan_hash`, so a re-planned run can wait on it instead of asking again.
  std::optional<store::ApprovalRecord> FindPending(std::string_view plan_hash) const;
  size_t pending_count() const { return pending_.size(); }

 private:
  struct Waiter;
  void Apply(const store::ApprovalChange& change);
  void Decided(const store::ApprovalRecord& approval);
  void UpdateGauge();
  void ScheduleExpiry();
  boost::asio::awaitable<void> ExpireTick(WallTime now);

  boost::asio::any_io_executor executor_;
  store::StoreWriter& writer_;
  std::shared_ptr<spdlog::logger> logger_;
  std::function<void(size_t)> gauge_;
  std::vector<std::function<void(const ApprovalDecision&)>> observers_;
  std::map<store::ApprovalId, store::ApprovalRecord> pending_;
  std::multimap<store::ApprovalId, std::shared_ptr<Waiter>> waiters_;
  const Clock* clock_ = nullptr;
  std::chrono::milliseconds period_{std::chrono::seconds(1)};
  boost::asio::steady_timer expiry_timer_;
  bool expiring_ = false;  // one ExpireDue store job at a time from the ticks
  bool stopped_ = false;
};

}  // namespace runbookd::gates
