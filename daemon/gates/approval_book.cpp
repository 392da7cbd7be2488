#include "daemon/gates/approval_book.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/gates/approval_store_job.hpp"

namespace runbookd::gates {

namespace asio = boost::asio;
using store::ApprovalChange;
using store::ApprovalRecord;
using store::ApprovalState;

namespace {

std::string Name(store::ApprovalId id) { return "approval " + std::to_string(id); }

ApprovalAnswer Failure(ApprovalError error, std::string message, std::optional<ApprovalRecord> approval = {}) {
  return ApprovalAnswer{std::move(approval), error, std::move(message)};
}

ApprovalAnswer StoreFailure(store::ApprovalId id, const store::Error& e) {
  if (e.code == store::ErrorCode::kNotFound) return Failure(ApprovalError::kNotFound, "no " + Name(id));
  return Failure(ApprovalError::kStoreUnavailable, Name(id) + ": " + e.message);
}

ApprovalAnswer Refusal(const ApprovalChange& change, const std::string& approver) {
  const ApprovalRecord& a = change.approval;
  switch (*change.refused) {
    case store::ApprovalRefusal::kDuplicateVoter:
      return Failure(ApprovalError::kDuplicateVoter, approver + " has already voted on " + Name(a.id), a);
    case store::ApprovalRefusal::kExpired:
      return Failure(ApprovalError::kExpired, Name(a.id) + " has expired (" + a.reason + ")", a);
    case store::ApprovalRefusal::kAlreadyDecided:
      break;
  }
  if (a.invalidated) {
    return Failure(ApprovalError::kPlanChanged, Name(a.id) + " no longer holds: " + a.reason, a);
  }
  return Failure(ApprovalError::kAlreadyDecided,
                 Name(a.id) + " is already " + std::string(ToString(a.state)) + " (" + a.reason + ")", a);
}

}  // namespace

std::string_view ToString(ApprovalError error) {
  switch (error) {
    case ApprovalError::kNotFound:
      return "not_found";
    case ApprovalError::kAlreadyDecided:
      return "already_decided";
    case ApprovalError::kExpired:
      return "expired";
    case ApprovalError::kDuplicateVoter:
      return "duplicate_voter";
    case ApprovalError::kPlanChanged:
      return "plan_changed";
    case ApprovalError::kStoreUnavailable:
      return "store_unavailable";
  }
  return "store_unavailable";
}

GateDecision DecisionOf(const ApprovalRecord& a) {
  switch (a.state) {
    case ApprovalState::kPending:
      return GateDecision::Pending("approval",
                                   "waiting for " + Name(a.id) + " (" + std::to_string(a.approve_votes()) + " of " +
                                       std::to_string(a.quorum) + " approvals)",
                                   a.expires_at);
    case ApprovalState::kApproved:
      return GateDecision::Allow("approval", Name(a.id) + " " + a.reason);
    case ApprovalState::kDenied:
      return GateDecision::Deny("approval", Name(a.id) + (a.invalidated ? " invalidated: " : " ") + a.reason);
    case ApprovalState::kExpired:
      break;
  }
  return GateDecision::Deny("approval", Name(a.id) + " " + a.reason);
}

store::NewApproval MakeApprovalRequest(const GateRequest& request, const ActionPlan& plan, int quorum,
                                       std::chrono::milliseconds timeout, std::string requested_by) {
  store::NewApproval a;
  if (request.incident_id > 0) a.incident_id = request.incident_id;
  a.action = request.action.empty() ? plan.action : request.action;
  a.target = plan.target;
  a.plan_hash = plan.Hash();
  a.summary = plan.summary;
  a.plan_json = boost::json::serialize(plan.ToJson());
  a.requested_by = std::move(requested_by);
  a.requested_at = request.now;
  a.expires_at = request.now + timeout;
  a.quorum = quorum;
  return a;
}

// One AwaitDecision in progress: woken by cancelling its timer, which never expires by itself.
struct ApprovalBook::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  std::optional<ApprovalRecord> decided;
};

ApprovalBook::ApprovalBook(asio::any_io_executor executor, store::StoreWriter& writer,
                           std::shared_ptr<spdlog::logger> logger)
    : executor_(executor), writer_(writer), logger_(std::move(logger)), expiry_timer_(executor) {}

ApprovalBook::~ApprovalBook() = default;

void ApprovalBook::SetPendingGauge(std::function<void(size_t)> gauge) {
  gauge_ = std::move(gauge);
  UpdateGauge();
}

void ApprovalBook::OnDecided(std::function<void(const ApprovalDecision&)> observer) {
  observers_.push_back(std::move(observer));
}

void ApprovalBook::Restore(std::vector<ApprovalRecord> pending) {
  for (auto& a : pending) {
    if (a.state == ApprovalState::kPending) pending_[a.id] = std::move(a);
  }
  UpdateGauge();
}

void ApprovalBook::Start(const Clock& clock, std::chrono::milliseconds period) {
  clock_ = &clock;
  period_ = period;
  stopped_ = false;
  ScheduleExpiry();
}

void ApprovalBook::Stop() {
  stopped_ = true;
  expiry_timer_.cancel();
  for (auto& [id, waiter] : waiters_) waiter->timer.cancel();
  waiters_.clear();
}

void ApprovalBook::ScheduleExpiry() {
  expiry_timer_.expires_after(period_);
  expiry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (!expiring_) {
      expiring_ = true;
      asio::co_spawn(executor_, ExpireTick(clock_->WallNow()), [this](std::exception_ptr) { expiring_ = false; });
    }
    ScheduleExpiry();
  });
}

asio::awaitable<void> ApprovalBook::ExpireTick(WallTime now) {
  auto expire = ExpireDue(now);
  auto expired = co_await std::move(expire);
  // Tried again at the next tick; until then the approval stays pending, never approved.
  if (!expired) logger_->error("approvals: could not expire the due ones: {}", expired.error().message);
}

void ApprovalBook::UpdateGauge() {
  if (gauge_) gauge_(pending_.size());
}

void ApprovalBook::Apply(const ApprovalChange& change) {
  const ApprovalRecord& a = change.approval;
  if (a.state == ApprovalState::kPending) {
    pending_[a.id] = a;
  } else {
    pending_.erase(a.id);
  }
  UpdateGauge();
  if (change.decided) Decided(a);
}

void ApprovalBook::Decided(const ApprovalRecord& a) {
  logger_->info("{} ({} on {}): {}: {}", Name(a.id), a.action, a.target, ToString(a.state), a.reason);
  auto [first, last] = waiters_.equal_range(a.id);
  for (auto it = first; it != last; ++it) {
    it->second->decided = a;
    it->second->timer.cancel();
  }
  waiters_.erase(first, last);
  const ApprovalDecision decision{a};
  // A copy: an observer may register another one.
  const auto observers = observers_;
  for (const auto& observer : observers) observer(decision);
}

asio::awaitable<store::Result<store::ApprovalId>> ApprovalBook::Request(store::NewApproval request) {
  auto insert = RunStoreJob<store::ApprovalId>(
      writer_, [request](store::Store& s) -> store::Result<store::ApprovalId> { return s.InsertApproval(request); });
  auto id = co_await std::move(insert);
  if (!id) co_return id.error();
  ApprovalRecord a;
  a.id = *id;
  a.intent_id = request.intent_id;
  a.incident_id = request.incident_id;
  a.action = request.action;
  a.target = request.target;
  a.plan_hash = request.plan_hash;
  a.summary = request.summary;
  a.plan_json = request.plan_json;
  a.requested_by = request.requested_by;
  a.requested_at = request.requested_at;
  a.expires_at = request.expires_at;
  a.quorum = request.quorum;
  pending_[a.id] = a;
  UpdateGauge();
  logger_->info("{} requested for {} on {} (quorum {}): {}", Name(a.id), a.action, a.target, a.quorum, a.summary);
  co_return a.id;
}

// GCC 12 misreports the coroutine frame's allocation (Asio's aligned_alloc, freed by its matching
// operator delete) as a mismatched new/delete here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<ApprovalAnswer> ApprovalBook::Vote(store::ApprovalId id, std::string approver,
                                                   store::ApprovalVerdict verdict, std::string comment, WallTime now) {
  const store::ApprovalVote vote{approver, verdict, std::move(comment), now};
  auto add = RunStoreJob<ApprovalChange>(
      writer_, [id, vote](store::Store& s) -> store::Result<ApprovalChange> { return s.AddApprovalVote(id, vote); });
  auto change = co_await std::move(add);
  if (!change) co_return StoreFailure(id, change.error());
  Apply(*change);
  if (change->refused) co_return Refusal(*change, approver);
  logger_->info("{}: {} by {}", Name(id), ToString(verdict), approver);
  co_return ApprovalAnswer{std::move(change->approval), std::nullopt, {}};
}
#pragma GCC diagnostic pop

asio::awaitable<ApprovalAnswer> ApprovalBook::Invalidate(store::ApprovalId id, std::string reason, WallTime now) {
  if (reason.empty()) reason = "the plan no longer holds";
  auto decide = RunStoreJob<ApprovalChange>(writer_, [id, reason, now](store::Store& s) {
    return s.DecideApproval(id, ApprovalState::kDenied, now, reason, true);
  });
  auto change = co_await std::move(decide);
  if (!change) co_return StoreFailure(id, change.error());
  Apply(*change);
  if (change->refused) co_return Refusal(*change, {});
  co_return ApprovalAnswer{std::move(change->approval), std::nullopt, {}};
}

asio::awaitable<store::Result<std::vector<store::ApprovalId>>> ApprovalBook::ExpireDue(WallTime now) {
  const bool due =
      std::any_of(pending_.begin(), pending_.end(), [now](const auto& p) { return p.second.expires_at <= now; });
  if (!due) co_return std::vector<store::ApprovalId>{};
  auto expire = RunStoreJob<std::vector<ApprovalRecord>>(
      writer_, [now](store::Store& s) -> store::Result<std::vector<ApprovalRecord>> { return s.ExpireApprovals(now); });
  auto expired = co_await std::move(expire);
  if (!expired) co_return expired.error();
  std::vector<store::ApprovalId> ids;
  for (auto& a : *expired) {
    ids.push_back(a.id);
    Apply(ApprovalChange{std::move(a), std::nullopt, true});
  }
  co_return ids;
}

asio::awaitable<GateDecision> ApprovalBook::AwaitDecision(store::ApprovalId id) {
  if (!pending_.count(id)) {
    auto get = Get(id);
    auto found = co_await std::move(get);
    if (!found) co_return GateDecision::Deny("approval", Name(id) + " could not be read: " + found.error().message);
    if (!*found) co_return GateDecision::Deny("approval", "no " + Name(id));
    if ((*found)->state != ApprovalState::kPending) co_return DecisionOf(**found);
    pending_[id] = **found;
    UpdateGauge();
  }
  if (stopped_) co_return GateDecision::Deny("approval", "runbookd is stopping; " + Name(id) + " was not decided");
  auto waiter = std::make_shared<Waiter>(executor_);
  waiters_.emplace(id, waiter);
  boost::system::error_code ec;
  auto wait = waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_await std::move(wait);
  if (waiter->decided) co_return DecisionOf(*waiter->decided);
  co_return GateDecision::Deny("approval", "runbookd is stopping; " + Name(id) + " was not decided");
}

asio::awaitable<store::Result<std::optional<ApprovalRecord>>> ApprovalBook::Get(store::ApprovalId id) {
  if (auto it = pending_.find(id); it != pending_.end()) co_return std::optional<ApprovalRecord>(it->second);
  auto get = RunStoreJob<std::optional<ApprovalRecord>>(
      writer_, [id](store::Store& s) -> store::Result<std::optional<ApprovalRecord>> { return s.GetApproval(id); });
  auto found = co_await std::move(get);
  co_return found;
}

std::vector<ApprovalRecord> ApprovalBook::Pending() const {
  std::vector<ApprovalRecord> out;
  out.reserve(pending_.size());
  for (const auto& [id, a] : pending_) out.push_back(a);
  return out;
}

std::optional<ApprovalRecord> ApprovalBook::FindPending(std::string_view plan_hash) const {
  for (const auto& [id, a] : pending_) {
    if (a.plan_hash == plan_hash) return a;
  }
  return std::nullopt;
}

}  // namespace runbookd::gates
