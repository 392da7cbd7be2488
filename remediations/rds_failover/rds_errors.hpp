#pragma once

#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/action.hpp"
#include "remediations/aws_common/aws_outcome.hpp"

// How a failed RDS call ends a plan or a run:
//   kAuth, kCredentials → kUnauthorized; kThrottled, kServer, kTransport → kUnavailable;
//   kTimeout, kCancelled → kTimeout; kNotFound → kNotFound; kInvalid, kBadResponse → kApiError.
// Reads are retryable when the failure was transient; FailoverDBCluster never is (FailoverFailure).
namespace runbookd::remediations::rds_failover {

using aws_common::IsTransient;
using aws_common::ReasonFor;

// One line naming the call: "rds FailoverDBCluster: 400 InvalidDBClusterStateFault: <message>".
std::string CallError(std::string_view action, const aws::ApiError& error);

// The Outcome of a run that a failed read ended before anything was changed.
Outcome ReadFailure(std::string_view action, const aws::ApiError& error);

// The Outcome of a failed FailoverDBCluster. Never retryable: a call without a clear answer may
// have started the failover, and a second one would fail over again.
Outcome FailoverFailure(const std::string& cluster, const aws::ApiError& error);

}  // namespace runbookd::remediations::rds_failover
