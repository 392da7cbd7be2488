#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/clock.hpp"

// The bearer token `aws eks get-token` prints (aws-cli customizations/eks/get_token.py), built
// natively: "k8s-aws-v1." + base64url-nopad(a presigned STS GetCallerIdentity URL that signs the
// header x-k8s-aws-id: <cluster>).
namespace runbookd::aws {

struct EksTokenRequest {
  std::string cluster;  // the cluster's name (or id), sent as x-k8s-aws-id
  std::string region;   // the STS region: us-east-1
  // The STS host; empty: sts.<region>.amazonaws.com (.amazonaws.com.cn for cn- regions), as awscli.
  std::string sts_host;
  WallTime now;
};

struct EksToken {
  config::Secret token;  // a bearer credential: never log it
  WallTime expiration;   // now + 14 minutes, truncated to the second, as awscli's expirationTimestamp
};

EksToken MakeEksToken(const EksTokenRequest& request, const AwsCredentials& credentials);

// The STS host awscli uses for a region.
std::string StsHostForRegion(std::string_view region);

}  // namespace runbookd::aws
