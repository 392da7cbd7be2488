#include "remediations/k8s_common/api_outcome.hpp"

#include <utility>

namespace runbookd::remediations::k8s_common {

using k8s::ErrorKind;

OutcomeReason ReasonFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return OutcomeReason::kOk;
    case ErrorKind::kNotFound:
      return OutcomeReason::kNotFound;
    case ErrorKind::kConflict:
      return OutcomeReason::kConflict;
    case ErrorKind::kUnauthorized:
    case ErrorKind::kForbidden:
    case ErrorKind::kCredentials:
      return OutcomeReason::kUnauthorized;
    case ErrorKind::kTransport:
    case ErrorKind::kServerError:
    case ErrorKind::kTooManyRequests:
      return OutcomeReason::kUnavailable;
    case ErrorKind::kTimeout:
    case ErrorKind::kCancelled:
      return OutcomeReason::kTimeout;
    case ErrorKind::kInvalid:
    case ErrorKind::kBadResponse:
      return OutcomeReason::kApiError;
  }
  return OutcomeReason::kInternalError;
}

bool IsRetryable(ErrorKind kind) {
  const OutcomeReason reason = ReasonFor(kind);
  return reason == OutcomeReason::kUnavailable || reason == OutcomeReason::kTimeout;
}

namespace {

std::string MessageOf(const k8s::ApiError& error) {
  if (!error.message.empty()) return error.message;
  if (error.http_status != 0) return "Kubernetes API call failed with HTTP " + std::to_string(error.http_status);
  return "Kubernetes API call failed";
}

}  // namespace

Outcome FailureOutcome(const k8s::ApiError& error) {
  // kNone here would be a caller's bug; never report it as success.
  const OutcomeReason reason = error.kind == ErrorKind::kNone ? OutcomeReason::kInternalError : ReasonFor(error.kind);
  return Outcome::Fail(reason, MessageOf(error), IsRetryable(error.kind));
}

void FailPlan(ActionPlan& plan, const k8s::ApiError& error) {
  Conclude(plan, error.kind == ErrorKind::kNone ? OutcomeReason::kInternalError : ReasonFor(error.kind),
           MessageOf(error));
}

void Conclude(ActionPlan& plan, OutcomeReason verdict, std::string summary) {
  plan.verdict = verdict;
  plan.summary = std::move(summary);
}

}  // namespace runbookd::remediations::k8s_common
