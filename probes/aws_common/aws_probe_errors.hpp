#pragma once

#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/probe_result.hpp"

// What the AWS probe types share: a failed call as one line, and as a probe result.
namespace runbookd::probes::aws_common {

// "DescribeDBClusters: 404 DBClusterNotFoundFault: DBCluster prod-db not found." (one line, capped,
// with the number of attempts when the client retried).
std::string DescribeApiError(const aws::QueryReply& reply, std::string_view action);

// The mapping of a failed call to the probe's result (the table in each probe's README): timeouts
// and transport failures are unknown, refused credentials unknown/unauthorized, a missing object
// (`object` names it) unhealthy/not_found, anything else unknown/api_error.
ProbeResult ResultOfApiError(const aws::QueryReply& reply, std::string_view action, std::string_view object);

}  // namespace runbookd::probes::aws_common
