#pragma once

#include <pugixml.hpp>
#include <string_view>

#include "daemon/core/probe_result.hpp"

// The judgements of the rds probe on RDS's answers as the API returns them (named list items:
// <DBInstances><DBInstance>, <DBClusters><DBCluster>, <DBClusterMembers><DBClusterMember>). An
// answer missing what a judgement needs is unknown/api_error: missing data is never healthy.
namespace runbookd::probes::rds {

// A <DescribeDBInstancesResult> for the instance `id`: its DBInstanceStatus, classified.
ProbeResult AssessInstance(pugi::xml_node result, std::string_view id);

// A <DescribeDBClustersResult> for the cluster `id`: its Status, classified, and its writer (a
// cluster that should be serving without a writer member is unhealthy/no_writer).
ProbeResult AssessCluster(pugi::xml_node result, std::string_view id);

// The worse of two results (unhealthy, then unknown, then healthy; `first` on a tie), with both
// details joined by "; " and the observations of both.
ProbeResult Combine(ProbeResult first, ProbeResult second);

}  // namespace runbookd::probes::rds
