#pragma once

#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/action.hpp"
#include "remediations/aws_common/aws_outcome.hpp"

// How a failed EKS call ends a plan or a run. By error code first (x-amzn-ErrorType):
//   ResourceInUseException → kConflict; ResourceNotFoundException → kNotFound;
//   InvalidParameterException → kInvalidParams;
// then by kind: kAuth, kCredentials → kUnauthorized; kThrottled, kServer, kTransport →
// kUnavailable; kTimeout, kCancelled → kTimeout; kNotFound → kNotFound; kInvalid, kBadResponse →
// kApiError. Transient failures are retryable for every call this action makes: reads change
// nothing, and the update carries a clientRequestToken, so EKS answers a repeat with the same update.
namespace runbookd::remediations::eks_nodegroup_scale {

OutcomeReason ReasonFor(const aws::ApiError& error);
using aws_common::IsTransient;

// One line naming the call: "eks UpdateNodegroupConfig: 409 ResourceInUseException: <message>".
std::string CallError(std::string_view operation, const aws::ApiError& error);

Outcome CallFailure(std::string_view operation, const aws::ApiError& error);

}  // namespace runbookd::remediations::eks_nodegroup_scale
