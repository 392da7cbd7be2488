#include "daemon/clients/aws/aws_connection.hpp"

#include "daemon/clients/aws/profile_files.hpp"
#include "daemon/clients/aws/signed_request.hpp"

namespace runbookd::aws {

namespace {

// A region name as AWS spells them: lower-case letters, digits and dashes.
bool IsRegionName(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string ReadEndpoint(const config::Node& endpoints, std::string_view key) {
  const config::Node node = endpoints[key];
  const std::string url = node.AsString();
  if (url.empty()) return url;
  std::string error;
  if (!ParseEndpoint(url, error)) {
    node.Error(error);
    return {};
  }
  return url;
}

}  // namespace

std::optional<AwsConnectionSettings> ReadAwsConnection(const std::string& name, const config::Node& node,
                                                       const Environment& env) {
  const size_t errors_before = node.diagnostics().items().size();
  AwsConnectionSettings s;
  s.name = name;
  s.profile = node["profile"].AsString();
  const config::Node region = node["region"];
  s.region = region.AsString();
  if (s.region.empty()) s.region = Lookup(env, "AWS_REGION").value_or(Lookup(env, "AWS_DEFAULT_REGION").value_or(""));
  if (s.region.empty()) {
    std::string error;
    const std::optional<IniSection> profile = LoadProfile(LocateSharedFiles(env, s.profile), error);
    if (profile && profile->count("region")) s.region = profile->at("region");
  }
  if (s.region.empty()) {
    node.Error("no region: set `region`, or AWS_REGION / AWS_DEFAULT_REGION, or `region` in the AWS profile");
  } else if (!IsRegionName(s.region)) {
    (region.defined() ? region : node).Error("\"" + s.region + "\" is not an AWS region name");
  }
  const config::Node endpoints = node["endpoints"];
  if (endpoints.defined() && !endpoints.is_map()) {
    endpoints.Error("expected a mapping with elbv2, rds, eks, sts");
  } else if (endpoints.defined()) {
    s.endpoints.elbv2 = ReadEndpoint(endpoints, "elbv2");
    s.endpoints.rds = ReadEndpoint(endpoints, "rds");
    s.endpoints.eks = ReadEndpoint(endpoints, "eks");
    s.endpoints.sts = ReadEndpoint(endpoints, "sts");
  }
  if (node.diagnostics().items().size() != errors_before) return std::nullopt;
  return s;
}

std::string_view SigningName(AwsService service) {
  switch (service) {
    case AwsService::kElbv2:
      return "elasticloadbalancing";
    case AwsService::kRds:
      return "rds";
    case AwsService::kEks:
      return "eks";
    case AwsService::kSts:
      return "sts";
  }
  return "";
}

std::string ServiceEndpoint(const AwsConnectionSettings& settings, AwsService service) {
  const std::string* custom = nullptr;
  switch (service) {
    case AwsService::kElbv2:
      custom = &settings.endpoints.elbv2;
      break;
    case AwsService::kRds:
      custom = &settings.endpoints.rds;
      break;
    case AwsService::kEks:
      custom = &settings.endpoints.eks;
      break;
    case AwsService::kSts:
      custom = &settings.endpoints.sts;
      break;
  }
  if (custom != nullptr && !custom->empty()) return *custom;
  const bool china = settings.region.rfind("cn-", 0) == 0;
  return "https://" + std::string(SigningName(service)) + "." + settings.region + ".amazonaws.com" +
         (china ? ".cn" : "");
}

ChainSettings ChainSettingsFor(const AwsConnectionSettings& settings, Environment env) {
  ChainSettings chain;
  chain.name = settings.name;
  chain.env = std::move(env);
  chain.profile = settings.profile;
  chain.region = settings.region;
  chain.sts_endpoint = settings.endpoints.sts;
  return chain;
}

}  // namespace runbookd::aws
