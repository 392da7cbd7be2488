#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/rules/rollout.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

struct RolloutWatchState;

// Polls the Deployments that recent_rollout conditions name (rules::RolloutTargets) and keeps their
// rollout facts for the rules' snapshot. Every `interval`, per target: GET the Deployment, LIST its
// ReplicaSets by the Deployment's own selector, ComputeRolloutFacts, then RolloutTracker decides
// what to publish (observation beats an old ReplicaSet's creationTimestamp; a failing target keeps
// its facts for 3 intervals, then they are dropped). `on_change` runs, on the event loop, with all
// current facts whenever those of some target changed.
//
// Runs on the daemon's single event-loop thread (executor), like the clients it uses.
class RolloutWatcher {
 public:
  using Clients = std::map<std::string, std::shared_ptr<k8s::Client>>;  // by connection name
  using Facts = std::map<rules::DeploymentRef, rules::RolloutFacts>;
  using OnChange = std::function<void(const Facts&)>;
  static constexpr std::chrono::milliseconds kDefaultInterval{std::chrono::seconds(30)};
  // Failed polls in a row after which a target's facts are dropped.
  static constexpr int kStaleAfterIntervals = 3;

  // A target whose connection is not in `clients` is logged once and never polled (the rule parser
  // already refuses unknown connections, so this is a wiring mistake).
  RolloutWatcher(boost::asio::any_io_executor executor, const Clock& clock, std::shared_ptr<spdlog::logger> logger,
                 std::vector<rules::DeploymentRef> targets, Clients clients, OnChange on_change,
                 std::chrono::milliseconds interval = kDefaultInterval);
  ~RolloutWatcher();  // stops
  RolloutWatcher(const RolloutWatcher&) = delete;
  RolloutWatcher& operator=(const RolloutWatcher&) = delete;

  // Polls every target at once, then every `interval`.
  void Start();
  // Cancels the timers and the polls in flight; on_change is not called any more. The watcher may
  // be destroyed right after (the polls hold only shared state, and check it when they resume).
  void Stop();

  // The facts known now: the same map on_change receives.
  const Facts& facts() const;

 private:
  // Shared with the polls in flight, so that they can outlive the watcher after Stop.
  std::shared_ptr<RolloutWatchState> state_;
};

}  // namespace runbookd
