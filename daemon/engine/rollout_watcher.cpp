#include "daemon/engine/rollout_watcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "daemon/clients/k8s/resources.hpp"
#include "daemon/engine/rollout_facts.hpp"
#include "daemon/engine/rollout_tracker.hpp"

namespace runbookd {

namespace asio = boost::asio;

namespace {

// One poll is two small reads; a slow API server should not hold a target past its next turn.
constexpr std::chrono::milliseconds kMaxRequestTimeout{std::chrono::seconds(10)};

// How one poll ended, before the tracker sees it.
struct PollOutcome {
  bool answered = false;     // the API answered (facts may still be unknown)
  ComputedRollout computed;  // when answered
  std::string failure;       // when not answered: one line for the log
};

}  // namespace

struct RolloutWatchState {
  using Clients = RolloutWatcher::Clients;
  using OnChange = RolloutWatcher::OnChange;

  RolloutWatchState(asio::any_io_executor executor, const Clock& clock, std::shared_ptr<spdlog::logger> logger,
                    std::vector<rules::DeploymentRef> targets, Clients clients, OnChange on_change,
                    std::chrono::milliseconds interval)
      : executor(std::move(executor)),
        clock(clock),
        logger(std::move(logger)),
        targets(std::move(targets)),
        clients(std::move(clients)),
        on_change(std::move(on_change)),
        interval(interval),
        tracker(clock, interval * RolloutWatcher::kStaleAfterIntervals) {}

  asio::any_io_executor executor;
  const Clock& clock;
  std::shared_ptr<spdlog::logger> logger;
  std::vector<rules::DeploymentRef> targets;
  Clients clients;
  OnChange on_change;
  std::chrono::milliseconds interval;
  RolloutTracker tracker;
  std::vector<std::unique_ptr<asio::cancellation_signal>> cancels;  // one per polled target
  bool started = false;
  bool stopped = false;
};

namespace {

using State = std::shared_ptr<RolloutWatchState>;

asio::awaitable<PollOutcome> Poll(const State& state, const rules::DeploymentRef& target, k8s::Client& client) {
  PollOutcome out;
  asio::any_io_executor executor = state->executor;
  const SteadyTime deadline = state->clock.SteadyNow() + std::min(state->interval, kMaxRequestTimeout);
  // Named locals, not temporaries inside co_await: GCC 12 destroys such temporaries twice.
  const std::string deployment_path = k8s::DeploymentPath(target.ns, target.deployment);
  const k8s::Reply deployment = co_await client.Get(executor, deployment_path, deadline);
  if (state->stopped) co_return out;
  if (deployment.error.kind == k8s::ErrorKind::kNotFound) {
    out.answered = true;
    out.computed.why = "the Deployment does not exist";
    co_return out;
  }
  if (!deployment.ok()) {
    out.failure = deployment.error.message;
    co_return out;
  }

  std::string selector_error;
  const boost::json::value* selector_json = k8s::Find(deployment.body, {"spec", "selector"});
  const std::optional<std::string> selector =
      selector_json ? k8s::RenderLabelSelector(*selector_json, &selector_error) : std::nullopt;
  if (!selector || selector->empty()) {
    // Listing every ReplicaSet of the namespace instead would be wrong as often as right.
    out.answered = true;
    out.computed.why = "the Deployment's selector is unusable" + (selector_error.empty() ? "" : ": " + selector_error);
    co_return out;
  }
  const std::string replicasets_path = k8s::ReplicaSetsPath(target.ns, *selector);
  const k8s::Reply replicasets = co_await client.Get(executor, replicasets_path, deadline);
  if (state->stopped) co_return out;
  if (!replicasets.ok()) {
    out.failure = replicasets.error.message;
    co_return out;
  }
  const boost::json::value* items = k8s::Find(replicasets.body, {"items"});
  if (items == nullptr || !items->is_array()) {
    out.failure = "GET " + replicasets_path + ": the answer has no items list";
    co_return out;
  }
  out.answered = true;
  out.computed = ComputeRolloutFacts(deployment.body, items->get_array());
  co_return out;
}

// The client never throws by contract; a bug in it (or a bad_alloc) fails one poll, not the watch.
asio::awaitable<PollOutcome> PollCatching(const State& state, const rules::DeploymentRef& target, k8s::Client& client) {
  try {
    PollOutcome out = co_await Poll(state, target, client);
    co_return out;
  } catch (const std::exception& e) {
    PollOutcome out;
    out.failure = std::string("poll failed: ") + e.what();
    co_return out;
  }
}

void Record(const State& state, const rules::DeploymentRef& target, const PollOutcome& outcome) {
  RolloutTracker& tracker = state->tracker;
  const std::string name = rules::ToString(target);
  const bool had_facts = tracker.facts().count(target) > 0;
  bool changed = false;
  if (outcome.answered) {
    if (tracker.consecutive_failures(target) > 0) state->logger->info("rollout watch {}: the API answers again", name);
    changed = tracker.OnAnswer(target, outcome.computed);
  } else {
    changed = tracker.OnFailure(target);
    // Once per outage, and when the facts go: not every interval.
    if (tracker.consecutive_failures(target) == 1) {
      state->logger->warn("rollout watch {}: poll failed, keeping the last facts for now: {}", name, outcome.failure);
    } else {
      state->logger->debug("rollout watch {}: poll failed: {}", name, outcome.failure);
    }
  }
  if (!changed) return;
  auto it = tracker.facts().find(target);
  if (it != tracker.facts().end()) {
    state->logger->info("rollout watch {}: {}", name, rules::Describe(it->second));
  } else if (outcome.answered) {
    state->logger->info("rollout watch {}: unknown: {}", name, outcome.computed.why);
  } else if (had_facts) {
    state->logger->warn("rollout watch {}: no answer for {} polls, the rollout facts are now unknown: {}", name,
                        tracker.consecutive_failures(target), outcome.failure);
  }
  // Not after Stop (which may come from within on_change itself, so on_change is never reset).
  if (state->on_change && !state->stopped) state->on_change(tracker.facts());
}

asio::awaitable<void> Watch(State state, size_t index, std::shared_ptr<k8s::Client> client) {
  // Stop is seen through `stopped`, and a cancelled operation ends with an error code. Without this,
  // a cancellation emitted while this coroutine runs (Stop from within on_change) would make
  // co_spawn's own epilogue throw out of io_context::run.
  co_await asio::this_coro::throw_if_cancelled(false);
  const rules::DeploymentRef& target = state->targets[index];
  asio::steady_timer timer(state->executor);
  while (!state->stopped) {
    const PollOutcome outcome = co_await PollCatching(state, target, *client);
    if (state->stopped) co_return;
    Record(state, target, outcome);
    if (state->stopped) co_return;  // on_change may stop the watcher
    timer.expires_after(state->interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

RolloutWatcher::RolloutWatcher(asio::any_io_executor executor, const Clock& clock,
                               std::shared_ptr<spdlog::logger> logger, std::vector<rules::DeploymentRef> targets,
                               Clients clients, OnChange on_change, std::chrono::milliseconds interval)
    : state_(std::make_shared<RolloutWatchState>(std::move(executor), clock, std::move(logger), std::move(targets),
                                                 std::move(clients), std::move(on_change), interval)) {}

RolloutWatcher::~RolloutWatcher() { Stop(); }

void RolloutWatcher::Start() {
  if (state_->started || state_->stopped) return;
  state_->started = true;
  for (size_t i = 0; i < state_->targets.size(); ++i) {
    const rules::DeploymentRef& target = state_->targets[i];
    auto client = state_->clients.find(target.connection);
    if (client == state_->clients.end() || !client->second) {
      state_->logger->error("rollout watch {}: no kubernetes connection named {}; not watched", rules::ToString(target),
                            target.connection);
      continue;
    }
    state_->cancels.push_back(std::make_unique<asio::cancellation_signal>());
    asio::co_spawn(state_->executor, Watch(state_, i, client->second),
                   asio::bind_cancellation_slot(state_->cancels.back()->slot(), asio::detached));
  }
}

void RolloutWatcher::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  for (auto& cancel : state_->cancels) cancel->emit(asio::cancellation_type::terminal);
}

const RolloutWatcher::Facts& RolloutWatcher::facts() const { return state_->tracker.facts(); }

}  // namespace runbookd
