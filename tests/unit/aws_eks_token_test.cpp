// The EKS bearer token: decoded, its presigned URL is checked field by field and its signature is
// recomputed from the decoded parts, as an authenticator does; plus awscli's own outputs.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/eks_token.hpp"
#include "daemon/clients/aws/sigv4.hpp"
#include "daemon/clients/aws/uri_encode.hpp"

using namespace runbookd;
using namespace runbookd::aws;

namespace {

AwsCredentials Keys(const std::string& token) {
  AwsCredentials c;
  c.access_key_id = config::Secret("AKIDEXAMPLE");
  c.secret_access_key = config::Secret("secret");
  c.session_token = config::Secret(token);
  return c;
}

struct DecodedToken {
  std::string url;
  std::string host;
  QueryParams query;
  std::map<std::string, std::string> fields;
};

DecodedToken Decode(const std::string& token) {
  const std::string prefix = "k8s-aws-v1.";
  REQUIRE(token.rfind(prefix, 0) == 0);
  DecodedToken d;
  REQUIRE(DecodeBase64Url(token.substr(prefix.size()), d.url));
  const std::string scheme = "https://";
  REQUIRE(d.url.rfind(scheme, 0) == 0);
  const size_t path = d.url.find("/?", scheme.size());
  REQUIRE(path != std::string::npos);
  d.host = d.url.substr(scheme.size(), path - scheme.size());
  const std::optional<QueryParams> query = ParseQuery(d.url.substr(path + 2));
  REQUIRE(query);
  d.query = *query;
  for (const auto& [k, v] : d.query) d.fields[k] = v;
  return d;
}

// Recomputes the signature the way a verifier does: everything but X-Amz-Signature is the canonical
// query; the signed headers are host and x-k8s-aws-id; the payload is empty.
std::string Recompute(const DecodedToken& d, const std::string& cluster, const std::string& secret) {
  QueryParams unsigned_query;
  for (const auto& [k, v] : d.query) {
    if (k != "X-Amz-Signature") unsigned_query.emplace_back(k, v);
  }
  const std::string canonical =
      sigv4::CanonicalRequest("GET", "/", unsigned_query, {{"host", d.host}, {"x-k8s-aws-id", cluster}}, Sha256Hex(""));
  const WallTime time = *ParseAmzDate(d.fields.at("X-Amz-Date"));
  const std::string credential = d.fields.at("X-Amz-Credential");
  const std::string scope = credential.substr(credential.find('/') + 1);
  const std::string region = scope.substr(9, scope.find('/', 9) - 9);
  const std::string string_to_sign = sigv4::StringToSign(time, scope, canonical);
  return sigv4::Signature(sigv4::SigningKey(config::Secret(secret), time, region, "sts"), string_to_sign);
}

}  // namespace

TEST_CASE("eks token: decodes to a presigned GetCallerIdentity URL whose signature verifies") {
  EksTokenRequest request;
  request.cluster = "prod-cluster";
  request.region = "eu-west-1";
  request.now = *ParseIso8601("2024-05-01T10:00:00.750Z");
  const EksToken token = MakeEksToken(request, Keys("session/token+="));

  const DecodedToken d = Decode(token.token.Reveal());
  CHECK(d.host == "sts.eu-west-1.amazonaws.com");
  CHECK(d.fields.at("Action") == "GetCallerIdentity");
  CHECK(d.fields.at("Version") == "2011-06-15");
  CHECK(d.fields.at("X-Amz-Algorithm") == "AWS4-HMAC-SHA256");
  CHECK(d.fields.at("X-Amz-Credential") == "AKIDEXAMPLE/20240501/eu-west-1/sts/aws4_request");
  CHECK(d.fields.at("X-Amz-Date") == "20240501T100000Z");
  CHECK(d.fields.at("X-Amz-Expires") == "60");
  CHECK(d.fields.at("X-Amz-SignedHeaders") == "host;x-k8s-aws-id");
  CHECK(d.fields.at("X-Amz-Security-Token") == "session/token+=");
  CHECK(d.query.back().first == "X-Amz-Signature");
  CHECK(Recompute(d, "prod-cluster", "secret") == d.fields.at("X-Amz-Signature"));
  // Another cluster name or key does not verify: the header and the key are really signed.
  CHECK(Recompute(d, "other-cluster", "secret") != d.fields.at("X-Amz-Signature"));
  CHECK(Recompute(d, "prod-cluster", "other") != d.fields.at("X-Amz-Signature"));

  CHECK(FormatIso8601(token.expiration) == "2024-05-01T10:14:00Z");
  std::ostringstream printed;
  printed << token.token;
  CHECK(printed.str() == "<secret>");
}

TEST_CASE("eks token: byte-identical to the tokens awscli 1.45 printed under faketime") {
  // `faketime -f '2024-05-01 10:00:00' aws eks get-token --cluster-name c1` in us-east-1.
  EksTokenRequest request;
  request.cluster = "c1";
  request.region = "us-east-1";
  request.now = *ParseAmzDate("20240501T100000Z");
  const DecodedToken with_session = Decode(MakeEksToken(request, Keys("tok/en+=")).token.Reveal());
  CHECK(with_session.url ==
        "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-"
        "SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240501T100000Z&"
        "X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-"
        "Signature=616f0233c61dad9feac3e83603c1fe58906a3bf21ae4829f812ebe5ae06a1e15");

  // `faketime '2024-05-01 10:00:00' aws eks get-token --cluster-name c1` (the clock ran 2 s).
  request.now = *ParseAmzDate("20240501T100002Z");
  const EksToken long_term = MakeEksToken(request, Keys(""));
  CHECK(long_term.token.Reveal() ==
        "k8s-aws-v1."
        "aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUm"
        "WC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjQwNTAxJTJGdXMtZWFz"
        "dC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDA1MDFUMTAwMDAyWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25l"
        "ZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9MTcwNDNkYTRkZjc3YjIwYTkxNDdiOTZiYjFmNzVkNDcwMGMw"
        "Yjk2MTgxYjE5OGRlMWRkOWU2YjM4YmM4YjQ4OQ");
  CHECK(FormatIso8601(long_term.expiration) == "2024-05-01T10:14:02Z");
}

TEST_CASE("eks token: the STS host follows the region, China included, unless given") {
  CHECK(StsHostForRegion("us-west-2") == "sts.us-west-2.amazonaws.com");
  CHECK(StsHostForRegion("cn-north-1") == "sts.cn-north-1.amazonaws.com.cn");
  EksTokenRequest request;
  request.cluster = "c1";
  request.region = "us-east-1";
  request.sts_host = "sts.example.test:8443";
  request.now = *ParseAmzDate("20240501T100000Z");
  const DecodedToken d = Decode(MakeEksToken(request, Keys("")).token.Reveal());
  CHECK(d.host == "sts.example.test:8443");
  CHECK(d.fields.count("X-Amz-Security-Token") == 0);
  CHECK(Recompute(d, "c1", "secret") == d.fields.at("X-Amz-Signature"));
}
