#include "daemon/clients/aws/eks_token.hpp"

#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/sigv4.hpp"

namespace runbookd::aws {

namespace {

constexpr std::string_view kPrefix = "k8s-aws-v1.";
constexpr std::chrono::seconds kUrlExpires{60};  // awscli's X-Amz-Expires
constexpr std::chrono::minutes kTokenLifetime{14};

}  // namespace

std::string StsHostForRegion(std::string_view region) {
  const bool china = region.rfind("cn-", 0) == 0;
  return "sts." + std::string(region) + ".amazonaws.com" + (china ? ".cn" : "");
}

EksToken MakeEksToken(const EksTokenRequest& request, const AwsCredentials& credentials) {
  sigv4::Request call;
  call.method = "GET";
  call.host = request.sts_host.empty() ? StsHostForRegion(request.region) : request.sts_host;
  call.path = "/";
  call.query = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
  call.headers = {{"x-k8s-aws-id", request.cluster}};
  sigv4::Params params;
  params.region = request.region;
  params.service = "sts";
  params.time = request.now;
  params.payload = sigv4::PayloadHash::kSha256;  // SHA-256 of "", not UNSIGNED-PAYLOAD (verified against awscli)
  const sigv4::QuerySignature signature = sigv4::Presign(call, params, kUrlExpires, credentials);

  std::string url = "https://" + call.host + "/?" + signature.query.Reveal();
  EksToken token;
  token.token = config::Secret(std::string(kPrefix) + Base64UrlNoPad(url));
  Cleanse(url);
  token.expiration = std::chrono::floor<std::chrono::seconds>(request.now) + kTokenLifetime;
  return token;
}

}  // namespace runbookd::aws
