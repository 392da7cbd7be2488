#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "config/secret.hpp"
#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/clock.hpp"

// The container credential endpoint (ECS task roles, EKS Pod Identity): botocore's ContainerProvider.
namespace runbookd::aws {

struct ContainerSettings {
  std::string url;  // what to GET
  // The Authorization header: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read on every fetch, it
  // rotates) wins over AWS_CONTAINER_AUTHORIZATION_TOKEN.
  std::string authorization_file;
  config::Secret authorization;
  std::chrono::milliseconds timeout{2'000};  // botocore's
};

struct ContainerLookup {
  CredentialsStatus status = CredentialsStatus::kNotConfigured;  // kOk, kNotConfigured or kFailed
  ContainerSettings settings;
  std::string error;
};

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to `relative_base`, normally
// http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, which over plain http must name a
// loopback address or one of 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost (botocore's
// rule: the token must not travel in clear text elsewhere).
ContainerLookup ContainerFromEnvironment(const Environment& env, const std::string& relative_base);

// GETs the endpoint and parses its JSON.
boost::asio::awaitable<CredentialsResult> FetchContainerCredentials(boost::asio::any_io_executor ex,
                                                                    const ContainerSettings& settings,
                                                                    SteadyTime deadline);

}  // namespace runbookd::aws
