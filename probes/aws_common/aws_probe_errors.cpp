#include "probes/aws_common/aws_probe_errors.hpp"

#include <cstddef>
#include <utility>

namespace runbookd::probes::aws_common {

namespace {

constexpr std::size_t kMaxMessage = 300;

// The client always writes a message; the fallback covers an error made by hand.
std::string KindText(aws::ApiErrorKind kind) {
  switch (kind) {
    case aws::ApiErrorKind::kCredentials:
      return "no usable AWS credentials";
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return "no answer before the deadline";
    case aws::ApiErrorKind::kTransport:
      return "no answer from the endpoint";
    default:
      return "failed";
  }
}

}  // namespace

std::string DescribeApiError(const aws::QueryReply& reply, std::string_view action) {
  const aws::ApiError& error = reply.error;
  std::string out = std::string(action) + ": ";
  if (error.http_status != 0) out += std::to_string(error.http_status) + " ";
  if (!error.code.empty()) out += error.code + ": ";
  std::string message = error.message.empty() ? KindText(error.kind) : error.message;
  for (char& c : message) c = (c == '\n' || c == '\r') ? ' ' : c;
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage) + "...";
  out += message;
  if (reply.attempts > 1) out += " (after " + std::to_string(reply.attempts) + " attempts)";
  return out;
}

ProbeResult ResultOfApiError(const aws::QueryReply& reply, std::string_view action, std::string_view object) {
  std::string detail = DescribeApiError(reply, action);
  switch (reply.error.kind) {
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return ProbeResult::Unknown(ProbeReason::kTimeout, std::move(detail));
    case aws::ApiErrorKind::kTransport:
      return ProbeResult::Unknown(ProbeReason::kConnectionFailed, std::move(detail));
    case aws::ApiErrorKind::kCredentials:
    case aws::ApiErrorKind::kAuth:
      return ProbeResult::Unknown(ProbeReason::kUnauthorized, std::move(detail));
    case aws::ApiErrorKind::kNotFound:
      return ProbeResult::Unhealthy(ProbeReason::kNotFound, std::string(object) + " not found (" + detail + ")");
    default:
      return ProbeResult::Unknown(ProbeReason::kApiError, std::move(detail));
  }
}

}  // namespace runbookd::probes::aws_common
