#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"
#include "remediations/k8s_common/names.hpp"

// `kubectl rollout status deployment/X [--revision=R]`: kubectl's decision on one reading of a
// Deployment (protocol-facts §1.6, kubectl pkg/polymorphichelpers/rollout_status.go), with its
// message texts. Pure; other code uses it to verify a rollout after acting.
namespace runbookd::remediations::k8s_rollout_status {

inline constexpr std::string_view kType = "k8s_rollout_status";

struct RolloutStatus {
  bool done = false;    // rolled out: stop waiting, success
  bool error = false;   // stop waiting, failure (progress deadline exceeded, revision mismatch)
  std::string message;  // kubectl's line, without its trailing newline
};

// `revision` > 0 requires the Deployment's deployment.kubernetes.io/revision to equal it. In
// kubectl's order: revision check; spec update not yet observed (generation > observedGeneration);
// Progressing condition with reason ProgressDeadlineExceeded; updated < spec.replicas; old
// replicas pending termination; updated replicas not all available; done.
RolloutStatus EvaluateRolloutStatus(const boost::json::value& deployment, int64_t revision = 0);

// What the action waits for.
struct StatusWait {
  k8s_common::DeploymentRef deployment;
  int64_t revision = 0;  // 0: any
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
};

// The plan from the Deployment as read: always runnable (the wait is Execute's); the summary
// says what the rollout looks like now.
ActionPlan PlanRolloutStatus(const StatusWait& wait, const boost::json::value& deployment);

}  // namespace runbookd::remediations::k8s_rollout_status
