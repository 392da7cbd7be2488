#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/clock.hpp"

// STS AssumeRoleWithWebIdentity from a projected token file (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE
// and AWS_ROLE_ARN. The call is not signed; the token is the credential.
namespace runbookd::aws {

struct WebIdentitySettings {
  std::string token_file;  // re-read on every fetch: the kubelet rotates it
  std::string role_arn;
  std::string session_name;  // AWS_ROLE_SESSION_NAME; empty: "runbookd-<unix seconds>"
  std::string sts_url;       // see StsUrl
  std::chrono::milliseconds timeout{10'000};
};

// nullopt when AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set.
std::optional<WebIdentitySettings> WebIdentityFromEnvironment(const Environment& env, std::string sts_url);

// The STS endpoint botocore would use: `endpoint_override` (a connection's endpoints.sts), else
// AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the regional https://sts.<region>.amazonaws.com
// (`.amazonaws.com.cn` for cn- regions) with the region from `region` or AWS_REGION or
// AWS_DEFAULT_REGION, else the global https://sts.amazonaws.com.
std::string StsUrl(const Environment& env, std::string_view region, std::string_view endpoint_override);

// The form body of the call, in botocore's order: Action, Version, RoleArn, RoleSessionName,
// WebIdentityToken. It holds the token: never log it.
std::string AssumeRoleWithWebIdentityBody(std::string_view role_arn, std::string_view session_name,
                                          std::string_view token);

// Reads an STS answer: <AssumeRoleWithWebIdentityResponse>…<Credentials> on 2xx, the
// <ErrorResponse>'s Code and Message otherwise. Errors never quote the body beyond those two.
CredentialsResult ParseAssumeRoleWithWebIdentityResponse(int status, std::string_view body);

// Reads the token file and calls STS. `now` names the session when no name is configured.
boost::asio::awaitable<CredentialsResult> AssumeRoleWithWebIdentity(boost::asio::any_io_executor ex,
                                                                    const WebIdentitySettings& settings, WallTime now,
                                                                    SteadyTime deadline);

}  // namespace runbookd::aws
