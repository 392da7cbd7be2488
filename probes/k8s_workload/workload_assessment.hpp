#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::probes::k8s_workload {

// A `type: k8s_workload` spec (keys in probes/k8s_workload/README.md).
struct WorkloadSpec {
  std::string ns;  // empty: the connection's default namespace (resolved when the probe runs)
  std::string deployment;
  std::optional<int64_t> min_available;  // default: the Deployment's spec.replicas
  int64_t max_restarts = 5;
  std::chrono::milliseconds window = std::chrono::minutes(10);
};

// Judges a Deployment (GET .../deployments/NAME) and the PodList of its selector, as the API
// returns them. Reasons by priority: progress_deadline, crash_loop, image_pull, oom_killed,
// container_error, replicas_unavailable. `now` places container terminations in the window.
ProbeResult AssessWorkload(const boost::json::value& deployment, const boost::json::value& pod_list, WallTime now,
                           const WorkloadSpec& spec);

}  // namespace runbookd::probes::k8s_workload
