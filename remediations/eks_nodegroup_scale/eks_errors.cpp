#include "remediations/eks_nodegroup_scale/eks_errors.hpp"

namespace runbookd::remediations::eks_nodegroup_scale {

OutcomeReason ReasonFor(const aws::ApiError& error) {
  if (error.code == "ResourceInUseException") return OutcomeReason::kConflict;
  if (error.code == "ResourceNotFoundException") return OutcomeReason::kNotFound;
  if (error.code == "InvalidParameterException") return OutcomeReason::kInvalidParams;
  if (error.ok()) return OutcomeReason::kInternalError;  // not a failure: a caller's bug, never success
  return aws_common::ReasonFor(error.kind);
}

std::string CallError(std::string_view operation, const aws::ApiError& error) {
  return aws_common::CallError("eks", operation, error);
}

Outcome CallFailure(std::string_view operation, const aws::ApiError& error) {
  return Outcome::Fail(ReasonFor(error), CallError(operation, error), IsTransient(error.kind));
}

}  // namespace runbookd::remediations::eks_nodegroup_scale
