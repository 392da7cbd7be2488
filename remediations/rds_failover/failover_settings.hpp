#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "config/node.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/registry.hpp"
#include "remediations/rds_failover/db_cluster.hpp"

// The spec of an rds_failover action and the params of one run.
namespace runbookd::remediations::rds_failover {

struct FailoverSettings {
  FailoverRequest request;
  std::chrono::milliseconds wait_timeout{std::chrono::minutes(10)};  // bounded by the run's deadline too
};

// Reads `db_cluster_identifier` (required), `target_db_instance_identifier` and `wait_timeout`;
// the item needs a connection of type aws. Errors are recorded on `spec`; nullopt when there is any.
std::optional<FailoverSettings> ReadFailoverSettings(const config::Node& spec, const ActionDeps& deps);

// Applies the run's params (`target_db_instance_identifier` replaces the spec's): nullopt, or the
// invalid_params message.
std::optional<std::string> ApplyParams(FailoverRequest& request, const ActionParams& params);

// ActionPlan::target: "eu-west-1/rds/cluster/orders-db".
std::string PlanTarget(const std::string& region, const std::string& cluster);

}  // namespace runbookd::remediations::rds_failover
