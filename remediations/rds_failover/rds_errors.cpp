#include "remediations/rds_failover/rds_errors.hpp"

namespace runbookd::remediations::rds_failover {

using aws::ApiErrorKind;

namespace {

std::string_view KindWords(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::kNone:
      return "ok";
    case ApiErrorKind::kCredentials:
      return "no usable credentials";
    case ApiErrorKind::kTransport:
      return "no answer";
    case ApiErrorKind::kTimeout:
      return "no answer by the deadline";
    case ApiErrorKind::kCancelled:
      return "cancelled";
    case ApiErrorKind::kThrottled:
      return "throttled";
    case ApiErrorKind::kServer:
      return "server error";
    case ApiErrorKind::kAuth:
      return "not authorized";
    case ApiErrorKind::kNotFound:
      return "not found";
    case ApiErrorKind::kInvalid:
      return "refused";
    case ApiErrorKind::kBadResponse:
      return "unreadable answer";
  }
  return "failed";
}

}  // namespace

OutcomeReason ReasonFor(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::kNone:
      return OutcomeReason::kOk;
    case ApiErrorKind::kAuth:
    case ApiErrorKind::kCredentials:
      return OutcomeReason::kUnauthorized;
    case ApiErrorKind::kThrottled:
    case ApiErrorKind::kServer:
    case ApiErrorKind::kTransport:
      return OutcomeReason::kUnavailable;
    case ApiErrorKind::kTimeout:
    case ApiErrorKind::kCancelled:
      return OutcomeReason::kTimeout;
    case ApiErrorKind::kNotFound:
      return OutcomeReason::kNotFound;
    case ApiErrorKind::kInvalid:
    case ApiErrorKind::kBadResponse:
      return OutcomeReason::kApiError;
  }
  return OutcomeReason::kInternalError;
}

bool IsTransient(ApiErrorKind kind) {
  return kind == ApiErrorKind::kThrottled || kind == ApiErrorKind::kServer || kind == ApiErrorKind::kTransport ||
         kind == ApiErrorKind::kTimeout;
}

std::string CallError(std::string_view action, const aws::ApiError& error) {
  std::string out = "rds " + std::string(action) + ": ";
  if (error.http_status != 0) out += std::to_string(error.http_status) + " ";
  if (!error.code.empty()) out += error.code + ": ";
  out += error.message.empty() ? std::string(KindWords(error.kind)) : error.message;
  return out;
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
