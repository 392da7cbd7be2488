#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "daemon/clients/aws/aws_api.hpp"

// How an AWS answer's error is classified, and whether a failed attempt is tried again. Pure.
namespace runbookd::aws {

// The name a service goes by in messages and logs: elbv2, rds, eks, sts.
std::string_view ServiceLabel(AwsService service);

// Throttling, ThrottlingException, RequestLimitExceeded, TooManyRequestsException, RequestThrottled,
// PriorRequestNotComplete, ...
bool IsThrottlingCode(std::string_view code);

// ExpiredToken, ExpiredTokenException, InvalidClientTokenId: AWS refused credentials that may be
// stale, so fetching them again may help.
bool IsRejectedCredentials(std::string_view code);

// The kind of an error answer: the code decides first (a 400 Throttling is throttling, a 400
// DBClusterNotFoundFault a missing resource), then the status.
ApiErrorKind ClassifyError(int http_status, std::string_view code);

// Worth another attempt: throttling, 5xx and transport failures (a timeout is the deadline itself).
bool IsRetryable(const ApiError& error);

enum class RetryAction {
  kReturn,              // the error is the answer
  kRefreshCredentials,  // fetch the credentials again and retry at once (only once per call)
  kBackoff,             // sleep `delay`, then retry
};

struct RetryDecision {
  RetryAction action = RetryAction::kReturn;
  std::chrono::milliseconds delay{0};
};

// After `attempts` attempts ending in `error`: what to do. `delay` is the backoff the next retry would
// sleep (BackoffDelay); a sleep that would reach the deadline (`time_left`) is not taken.
RetryDecision DecideRetry(const ApiError& error, int attempts, bool credentials_refreshed, const RetryPolicy& policy,
                          std::chrono::milliseconds delay, std::chrono::steady_clock::duration time_left);

// Full jitter: `unit_random` (in [0, 1)) times min(max_delay, base_delay * 2^retry); retry counts from 0.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random);

// Text a server sent, as it may stand in our messages: its first line, printable ASCII only, capped.
// (AWS sometimes follows a message with the canonical request, which can hold a session token.)
std::string SanitizedServerText(std::string_view text);

// `text` with every occurrence of `secret` (when not empty) replaced by <secret>.
void Redact(std::string& text, std::string_view secret);

}  // namespace runbookd::aws
