#include "daemon/clients/aws/api_errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace runbookd::aws {

namespace {

constexpr size_t kMaxServerText = 300;

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool IsAuthCode(std::string_view code) {
  return IsRejectedCredentials(code) ||
         OneOf(code,
               {"AccessDenied", "AccessDeniedException", "AuthFailure", "IncompleteSignature",
                "InvalidSignatureException", "MissingAuthenticationToken", "NotAuthorized", "SignatureDoesNotMatch",
                "UnauthorizedOperation", "UnrecognizedClientException", "RequestExpired", "OptInRequired"});
}

// Codes naming a missing resource: DBClusterNotFoundFault, TargetGroupNotFound, ResourceNotFoundException,
// NoSuchEntity, ...
bool IsNotFoundCode(std::string_view code) {
  return code.find("NotFound") != std::string_view::npos || code.starts_with("NoSuch");
}

}  // namespace

std::string_view ToString(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::kNone:
      return "none";
    case ApiErrorKind::kCredentials:
      return "credentials";
    case ApiErrorKind::kTransport:
      return "transport";
    case ApiErrorKind::kTimeout:
      return "timeout";
    case ApiErrorKind::kCancelled:
      return "cancelled";
    case ApiErrorKind::kThrottled:
      return "throttled";
    case ApiErrorKind::kServer:
      return "server";
    case ApiErrorKind::kAuth:
      return "auth";
    case ApiErrorKind::kNotFound:
      return "not_found";
    case ApiErrorKind::kInvalid:
      return "invalid";
    case ApiErrorKind::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

std::string ApiError::ToString() const {
  std::string out = call.empty() ? std::string() : call + ": ";
  if (http_status != 0 && kind != ApiErrorKind::kBadResponse) {
    out += std::to_string(http_status);
    if (!code.empty()) out += " " + code;
  } else {
    out += std::string(aws::ToString(kind));
    if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
  }
  if (!message.empty()) out += ": " + message;
  return out;
}

std::string_view ServiceLabel(AwsService service) {
  switch (service) {
    case AwsService::kElbv2:
      return "elbv2";
    case AwsService::kRds:
      return "rds";
    case AwsService::kEks:
      return "eks";
    case AwsService::kSts:
      return "sts";
  }
  return "aws";
}

bool IsThrottlingCode(std::string_view code) {
  return OneOf(code, {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                      "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "PriorRequestNotComplete",
                      "ProvisionedThroughputExceededException", "SlowDown", "BandwidthLimitExceeded",
                      "EC2ThrottledException", "TransactionInProgressException"});
}

bool IsRejectedCredentials(std::string_view code) {
  return OneOf(code, {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"});
}

ApiErrorKind ClassifyError(int http_status, std::string_view code) {
  if (http_status >= 200 && http_status <= 299 && code.empty()) return ApiErrorKind::kNone;
  if (IsThrottlingCode(code) || http_status == 429) return ApiErrorKind::kThrottled;
  if (IsAuthCode(code)) return ApiErrorKind::kAuth;
  if (IsNotFoundCode(code)) return ApiErrorKind::kNotFound;
  if (http_status >= 500) return ApiErrorKind::kServer;
  if (http_status == 401 || http_status == 403) return ApiErrorKind::kAuth;
  if (http_status == 404) return ApiErrorKind::kNotFound;
  if (http_status >= 400) return ApiErrorKind::kInvalid;
  return ApiErrorKind::kBadResponse;  // 1xx, 3xx (redirects are not followed), or a 2xx carrying an error code
}

bool IsRetryable(const ApiError& error) {
  switch (error.kind) {
    case ApiErrorKind::kThrottled:
    case ApiErrorKind::kServer:
    case ApiErrorKind::kTransport:
      return true;
    default:
      return false;
  }
}

RetryDecision DecideRetry(const ApiError& error, int attempts, bool credentials_refreshed, const RetryPolicy& policy,
                          std::chrono::milliseconds delay, std::chrono::steady_clock::duration time_left) {
  if (error.ok() || time_left <= std::chrono::steady_clock::duration::zero()) return {};
  if (IsRejectedCredentials(error.code) && !credentials_refreshed) return {RetryAction::kRefreshCredentials, {}};
  if (!IsRetryable(error) || attempts >= policy.max_attempts) return {};
  if (delay >= time_left) return {};
  return {RetryAction::kBackoff, delay};
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random) {
  const double base = static_cast<double>(policy.base_delay.count());
  const double cap = static_cast<double>(policy.max_delay.count());
  const double ceiling = std::min(cap, base * std::pow(2.0, std::clamp(retry, 0, 62)));
  const double chosen = std::clamp(unit_random, 0.0, 1.0) * ceiling;
  return std::chrono::milliseconds(static_cast<int64_t>(chosen));
}

std::string SanitizedServerText(std::string_view text) {
  const size_t end = text.find_first_of("\r\n");
  if (end != std::string_view::npos) text = text.substr(0, end);
  std::string out;
  for (const char c : text.substr(0, kMaxServerText)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (text.size() > kMaxServerText) out += "...";
  return out;
}

void Redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8)) {
    text.replace(at, secret.size(), "<secret>");
  }
}

}  // namespace runbookd::aws
