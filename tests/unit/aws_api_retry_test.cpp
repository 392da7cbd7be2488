// How the AWS API client classifies an error answer, and whether it tries again: throttling, 5xx
// and transport failures are retried with full-jitter backoff within the deadline; stale
// credentials are fetched again once; everything else is returned at once.
#include <catch2/catch.hpp>

#include "daemon/clients/aws/api_errors.hpp"

using namespace runbookd::aws;
using namespace std::chrono_literals;

namespace {

ApiError Error(int status, std::string code) {
  ApiError e;
  e.http_status = status;
  e.code = std::move(code);
  e.kind = ClassifyError(status, e.code);
  return e;
}

ApiError Local(ApiErrorKind kind) {
  ApiError e;
  e.kind = kind;
  return e;
}

}  // namespace

TEST_CASE("aws error classification: codes decide before statuses") {
  for (const char* code : {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                           "RequestThrottled", "PriorRequestNotComplete"}) {
    INFO(code);
    CHECK(IsThrottlingCode(code));
    CHECK(ClassifyError(400, code) == ApiErrorKind::kThrottled);
  }
  CHECK(ClassifyError(429, "") == ApiErrorKind::kThrottled);
  CHECK(ClassifyError(503, "RequestLimitExceeded") == ApiErrorKind::kThrottled);

  for (const char* code : {"AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
                           "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException",
                           "UnrecognizedClientException", "MissingAuthenticationToken"}) {
    INFO(code);
    CHECK(ClassifyError(400, code) == ApiErrorKind::kAuth);
  }
  CHECK(ClassifyError(403, "") == ApiErrorKind::kAuth);
  CHECK(ClassifyError(401, "Whatever") == ApiErrorKind::kAuth);

  for (const char* code : {"DBClusterNotFoundFault", "DBInstanceNotFound", "TargetGroupNotFound",
                           "LoadBalancerNotFound", "ResourceNotFoundException", "NoSuchEntity"}) {
    INFO(code);
    CHECK(ClassifyError(400, code) == ApiErrorKind::kNotFound);
  }
  CHECK(ClassifyError(404, "") == ApiErrorKind::kNotFound);

  CHECK(ClassifyError(500, "HealthUnavailable") == ApiErrorKind::kServer);
  CHECK(ClassifyError(503, "") == ApiErrorKind::kServer);
  CHECK(ClassifyError(500, "ServerException") == ApiErrorKind::kServer);
  CHECK(ClassifyError(400, "InvalidDBClusterStateFault") == ApiErrorKind::kInvalid);
  CHECK(ClassifyError(400, "InvalidDBInstanceState") == ApiErrorKind::kInvalid);
  CHECK(ClassifyError(409, "ResourceInUseException") == ApiErrorKind::kInvalid);
  CHECK(ClassifyError(400, "") == ApiErrorKind::kInvalid);
  CHECK(ClassifyError(301, "") == ApiErrorKind::kBadResponse);
  CHECK(ClassifyError(200, "") == ApiErrorKind::kNone);
}

TEST_CASE("aws retry: throttling, 5xx and transport failures are retried, the rest returned") {
  CHECK(IsRetryable(Error(400, "Throttling")));
  CHECK(IsRetryable(Error(429, "")));
  CHECK(IsRetryable(Error(503, "")));
  CHECK(IsRetryable(Local(ApiErrorKind::kTransport)));
  CHECK_FALSE(IsRetryable(Local(ApiErrorKind::kTimeout)));
  CHECK_FALSE(IsRetryable(Local(ApiErrorKind::kCancelled)));
  CHECK_FALSE(IsRetryable(Local(ApiErrorKind::kCredentials)));
  CHECK_FALSE(IsRetryable(Local(ApiErrorKind::kBadResponse)));
  CHECK_FALSE(IsRetryable(Error(400, "InvalidDBClusterStateFault")));
  CHECK_FALSE(IsRetryable(Error(404, "DBClusterNotFoundFault")));
  CHECK_FALSE(IsRetryable(Error(403, "SignatureDoesNotMatch")));
}

TEST_CASE("aws retry decision: bounded by attempts and by the deadline") {
  const RetryPolicy policy;  // 4 attempts
  const ApiError throttled = Error(400, "Throttling");

  RetryDecision d = DecideRetry(throttled, 1, false, policy, 80ms, 10s);
  CHECK(d.action == RetryAction::kBackoff);
  CHECK(d.delay == 80ms);
  CHECK(DecideRetry(throttled, 3, false, policy, 80ms, 10s).action == RetryAction::kBackoff);
  CHECK(DecideRetry(throttled, 4, false, policy, 80ms, 10s).action == RetryAction::kReturn);

  // A sleep that would reach the deadline is not taken; nor is any once the deadline has passed.
  CHECK(DecideRetry(throttled, 1, false, policy, 80ms, 80ms).action == RetryAction::kReturn);
  CHECK(DecideRetry(throttled, 1, false, policy, 80ms, 79ms).action == RetryAction::kReturn);
  CHECK(DecideRetry(throttled, 1, false, policy, 0ms, 0ms).action == RetryAction::kReturn);
  CHECK(DecideRetry(throttled, 1, false, policy, 80ms, 81ms).action == RetryAction::kBackoff);

  CHECK(DecideRetry(Error(503, ""), 1, false, policy, 1ms, 1s).action == RetryAction::kBackoff);
  CHECK(DecideRetry(Local(ApiErrorKind::kTransport), 1, false, policy, 1ms, 1s).action == RetryAction::kBackoff);
  CHECK(DecideRetry(Local(ApiErrorKind::kTimeout), 1, false, policy, 1ms, 1s).action == RetryAction::kReturn);
  CHECK(DecideRetry(Error(400, "InvalidDBClusterStateFault"), 1, false, policy, 1ms, 1s).action ==
        RetryAction::kReturn);
  CHECK(DecideRetry(Error(200, ""), 1, false, policy, 1ms, 1s).action == RetryAction::kReturn);

  RetryPolicy once;
  once.max_attempts = 1;
  CHECK(DecideRetry(throttled, 1, false, once, 1ms, 1s).action == RetryAction::kReturn);
}

TEST_CASE("aws retry decision: stale credentials are fetched again once, at once") {
  const RetryPolicy policy;
  for (const char* code : {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}) {
    INFO(code);
    CHECK(IsRejectedCredentials(code));
    const RetryDecision first = DecideRetry(Error(403, code), 1, false, policy, 50ms, 1s);
    CHECK(first.action == RetryAction::kRefreshCredentials);
    CHECK(first.delay == 0ms);
    CHECK(DecideRetry(Error(403, code), 2, true, policy, 50ms, 1s).action == RetryAction::kReturn);
  }
  CHECK_FALSE(IsRejectedCredentials("SignatureDoesNotMatch"));
  CHECK(DecideRetry(Error(403, "SignatureDoesNotMatch"), 1, false, policy, 50ms, 1s).action == RetryAction::kReturn);
  CHECK(DecideRetry(Error(403, "ExpiredToken"), 1, false, policy, 50ms, 0s).action == RetryAction::kReturn);
}

TEST_CASE("aws backoff: full jitter under an exponential ceiling capped by max_delay") {
  RetryPolicy policy;
  policy.base_delay = 100ms;
  policy.max_delay = 5'000ms;
  CHECK(BackoffDelay(policy, 0, 0.0) == 0ms);
  CHECK(BackoffDelay(policy, 0, 0.5) == 50ms);
  CHECK(BackoffDelay(policy, 0, 0.999) == 99ms);
  CHECK(BackoffDelay(policy, 1, 0.5) == 100ms);
  CHECK(BackoffDelay(policy, 3, 0.5) == 400ms);
  CHECK(BackoffDelay(policy, 6, 0.5) == 2'500ms);  // 6400 capped at 5000
  CHECK(BackoffDelay(policy, 1'000, 0.999) == 4'995ms);
  CHECK(BackoffDelay(policy, -3, 1.5) == 100ms);  // out-of-range inputs are clamped
}

TEST_CASE("aws redaction: every occurrence of a secret is replaced") {
  std::string text = "key abc/def and abc/def again";
  Redact(text, "abc/def");
  CHECK(text == "key <secret> and <secret> again");
  Redact(text, "");
  CHECK(text == "key <secret> and <secret> again");
  CHECK(ServiceLabel(AwsService::kElbv2) == "elbv2");
  CHECK(ServiceLabel(AwsService::kEks) == "eks");
}
