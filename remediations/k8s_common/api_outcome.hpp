#pragma once

#include <string>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/action.hpp"

// How a failed Kubernetes API call ends a plan or a run. One mapping for every Kubernetes action:
//   kNotFound → kNotFound; kConflict → kConflict;
//   kUnauthorized, kForbidden, kCredentials → kUnauthorized;
//   kTransport, kServerError, kTooManyRequests → kUnavailable (retryable);
//   kTimeout, kCancelled → kTimeout (retryable);
//   kInvalid, kBadResponse → kApiError.
namespace runbookd::remediations::k8s_common {

OutcomeReason ReasonFor(k8s::ErrorKind kind);
bool IsRetryable(k8s::ErrorKind kind);

// The Outcome of a run that a failed call ended; the detail is the client's one-line message.
Outcome FailureOutcome(const k8s::ApiError& error);

// Ends a plan that could not read what it needs: verdict from the mapping, summary = the message.
void FailPlan(ActionPlan& plan, const k8s::ApiError& error);

// Ends a plan with a verdict other than kOk and says why.
void Conclude(ActionPlan& plan, OutcomeReason verdict, std::string summary);

}  // namespace runbookd::remediations::k8s_common
