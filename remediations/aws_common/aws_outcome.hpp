#pragma once

#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/action.hpp"

// What the AWS action types share: how a failed call's kind maps to an OutcomeReason, whether it
// was transient, and the one line naming it.
//   kAuth, kCredentials → kUnauthorized; kThrottled, kServer, kTransport → kUnavailable;
//   kTimeout, kCancelled → kTimeout; kNotFound → kNotFound; kInvalid, kBadResponse → kApiError.
namespace runbookd::remediations::aws_common {

OutcomeReason ReasonFor(aws::ApiErrorKind kind);
// Throttling, 5xx, transport or a slow answer: the same read may work a moment later.
bool IsTransient(aws::ApiErrorKind kind);
// "rds FailoverDBCluster: 400 InvalidDBClusterStateFault: <message>".
std::string CallError(std::string_view service, std::string_view operation, const aws::ApiError& error);

}  // namespace runbookd::remediations::aws_common
