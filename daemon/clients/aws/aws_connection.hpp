#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"
#include "daemon/clients/aws/credential_chain.hpp"
#include "daemon/clients/aws/credentials.hpp"

// A `connections.<name>` entry of type aws (CONTRACT.md): region, profile, endpoints.
namespace runbookd::aws {

enum class AwsService { kElbv2, kRds, kEks, kSts };

struct AwsEndpoints {  // overrides (tests, private endpoints); empty: the region's public endpoint
  std::string elbv2;
  std::string rds;
  std::string eks;
  std::string sts;
};

struct AwsConnectionSettings {
  std::string name;
  std::string region;
  std::string profile;  // empty: AWS_PROFILE / AWS_DEFAULT_PROFILE / default
  AwsEndpoints endpoints;
};

// Reads `region`, `profile` and `endpoints: {elbv2, rds, eks, sts}` (absolute http(s) URLs). The
// region falls back, as botocore's, to AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`
// in the config file; none at all is an error. Errors are recorded on the node; nullopt when the
// connection is unusable. Credentials are not resolved here: they may come from the network.
std::optional<AwsConnectionSettings> ReadAwsConnection(const std::string& name, const config::Node& node,
                                                       const Environment& env);

// The service's endpoint: the override, else https://<prefix>.<region>.amazonaws.com (".com.cn" in
// China): elasticloadbalancing, rds, eks, sts.
std::string ServiceEndpoint(const AwsConnectionSettings& settings, AwsService service);

// The name SigV4 scopes to (botocore's signingName, else endpointPrefix).
std::string_view SigningName(AwsService service);

// The credential chain's settings for this connection.
ChainSettings ChainSettingsFor(const AwsConnectionSettings& settings, Environment env);

}  // namespace runbookd::aws
