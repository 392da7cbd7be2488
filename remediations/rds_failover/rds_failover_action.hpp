#pragma once

#include <chrono>

#include "daemon/core/registry.hpp"

namespace runbookd::remediations::rds_failover {

// How often Execute reads the cluster while it fails over.
inline constexpr std::chrono::milliseconds kDefaultPollInterval{5'000};

// `type: rds_failover`: FailoverDBCluster on an Aurora (or Multi-AZ) DB cluster, bound to the
// writer seen at plan time, then a wait for the new writer (keys and calls in
// remediations/rds_failover/README.md). Tests pass a short `poll_interval`.
ActionFactory MakeActionFactory(std::chrono::milliseconds poll_interval = kDefaultPollInterval);

}  // namespace runbookd::remediations::rds_failover
