#include "remediations/rds_failover/rds_errors.hpp"

namespace runbookd::remediations::rds_failover {

using aws::ApiErrorKind;

std::string CallError(std::string_view action, const aws::ApiError& error) {
  return aws_common::CallError("rds", action, error);
}

Outcome ReadFailure(std::string_view action, const aws::ApiError& error) {
  const OutcomeReason reason = error.ok() ? OutcomeReason::kInternalError : ReasonFor(error.kind);
  return Outcome::Fail(reason, CallError(action, error), IsTransient(error.kind));
}

Outcome FailoverFailure(const std::string& cluster, const aws::ApiError& error) {
  const std::string what = CallError("FailoverDBCluster", error);
  switch (error.kind) {
    case ApiErrorKind::kTransport:
    case ApiErrorKind::kServer:
    case ApiErrorKind::kTimeout:
    case ApiErrorKind::kCancelled:
    case ApiErrorKind::kBadResponse:
      return Outcome::Fail(ReasonFor(error.kind), what + "; the failover of " + cluster +
                                                      " may have started: check the cluster before running this again");
    case ApiErrorKind::kInvalid:
      if (error.code == "InvalidDBClusterStateFault") {
        return Outcome::Fail(OutcomeReason::kConflict,
                             what + "; the cluster's state changed since the check; plan again");
      }
      if (error.code == "InvalidDBInstanceState") return Outcome::Fail(OutcomeReason::kRefused, what);
      return Outcome::Fail(OutcomeReason::kApiError, what);
    default:
      return Outcome::Fail(error.ok() ? OutcomeReason::kInternalError : ReasonFor(error.kind), what);
  }
}

}  // namespace runbookd::remediations::rds_failover
