#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/clock.hpp"

// The EC2 instance metadata service (IMDSv2 with botocore's IMDSv1 fallback): the instance
// profile's role credentials.
namespace runbookd::aws {

struct ImdsSettings {
  std::string endpoint = "http://169.254.169.254";
  bool v1_disabled = false;                  // AWS_EC2_METADATA_V1_DISABLED
  std::chrono::milliseconds timeout{1'000};  // per request; botocore's default
};

// nullopt when AWS_EC2_METADATA_DISABLED is "true". The endpoint: `endpoint_override` (tests), else
// AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv6, else http://169.254.169.254.
std::optional<ImdsSettings> ImdsFromEnvironment(const Environment& env, std::string_view endpoint_override);

// PUT /latest/api/token (x-aws-ec2-metadata-token-ttl-seconds: 21600), then with the token
// GET /latest/meta-data/iam/security-credentials/ (the role) and .../<role>. Like botocore, a token
// answer of 403, 404 or 405, or no answer at all, falls back to IMDSv1 (the GETs without a token)
// unless v1 is disabled; 400 is an error.
boost::asio::awaitable<CredentialsResult> FetchImdsCredentials(boost::asio::any_io_executor ex,
                                                               const ImdsSettings& settings, SteadyTime deadline);

}  // namespace runbookd::aws
