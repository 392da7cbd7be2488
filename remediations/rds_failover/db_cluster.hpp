#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/action.hpp"

// An RDS DB cluster as DescribeDBClusters shows it (protocol-facts §3.3), and the failover plan
// made from it. Pure.
namespace runbookd::remediations::rds_failover {

inline constexpr std::string_view kType = "rds_failover";

struct ClusterMember {
  std::string id;
  bool writer = false;
};

struct DbCluster {
  std::string id;
  std::string status;
  std::string engine;
  std::vector<ClusterMember> members;

  // The writer's instance id; empty when the cluster has none (e.g. in the middle of a failover).
  std::string Writer() const;
  std::vector<std::string> Readers() const;
  // "Aurora cluster orders-db" or "DB cluster orders-db" (a Multi-AZ DB cluster), for messages.
  std::string Display() const;
};

// The cluster `id` of a DescribeDBClusters result (<DescribeDBClustersResult>); nullopt when the
// answer does not list it.
std::optional<DbCluster> ReadCluster(pugi::xml_node result, std::string_view id);

// RDS identifiers (DB cluster and DB instance): 1 to 63 letters, digits and hyphens, starting
// with a letter, no two hyphens in a row and none at the end.
bool IsRdsIdentifier(std::string_view id);

struct FailoverRequest {
  std::string cluster;  // db_cluster_identifier
  std::string target;   // target_db_instance_identifier; empty: RDS picks a reader
};

// From the cluster as read: the runnable plan, or kRefused (not available, no reader, the target
// not a reader), kInvalidParams (the target is no member), kNoop (the target already writes).
// `target` is ActionPlan::target.
ActionPlan PlanFailover(const FailoverRequest& request, const DbCluster& cluster, std::string target);

// What a plan binds to: {kind: DBCluster, name, writer, status, members}.
boost::json::object ObservedCluster(const DbCluster& cluster);

// Compares the cluster read now with the plan's observed one: nullopt when a failover may start,
// else the conflict detail, e.g. "writer changed since the plan (a → b); plan again".
std::optional<std::string> DescribeChange(const boost::json::object& observed, const DbCluster& now,
                                          const std::string& target_instance);

// A cluster status from which a failover will not complete by waiting (…-failed, inaccessible-…,
// deleting, stopped).
bool IsFailedStatus(std::string_view status);

}  // namespace runbookd::remediations::rds_failover
