#include "remediations/aws_common/aws_outcome.hpp"

namespace runbookd::remediations::aws_common {

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

std::string CallError(std::string_view service, std::string_view operation, const aws::ApiError& error) {
  std::string out = std::string(service) + " " + std::string(operation) + ": ";
  if (error.http_status != 0) out += std::to_string(error.http_status) + " ";
  if (!error.code.empty()) out += error.code + ": ";
  out += error.message.empty() ? std::string(KindWords(error.kind)) : error.message;
  return out;
}

}  // namespace runbookd::remediations::aws_common
