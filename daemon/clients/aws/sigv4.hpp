#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/secret.hpp"
#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/aws/uri_encode.hpp"
#include "daemon/core/clock.hpp"

// AWS Signature Version 4, as botocore's SigV4Auth and SigV4QueryAuth compute it. Pure functions:
// no I/O, no clock (the time is an argument).
namespace runbookd::aws::sigv4 {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One HTTP request as it will go on the wire.
struct Request {
  std::string method = "GET";
  // The Host header exactly as sent: the name, plus ":port" when the port is not the scheme's
  // default (HostHeader() computes it from a URL).
  std::string host;
  // The path as sent, already percent-encoded where the URL needs it. For signing it is normalised
  // (no "." / ".." / empty segments) and percent-encoded once more, as every service but S3 expects.
  std::string path = "/";
  QueryParams query;  // decoded names and values, in the order they are sent
  // Further headers to send and sign (content-type, x-k8s-aws-id, ...). Host, X-Amz-Date,
  // X-Amz-Security-Token and Authorization are the signer's own: a copy here is ignored.
  Headers headers;
  std::string body;
};

enum class PayloadHash {
  kSha256,    // hex SHA-256 of the body (of "" for an empty one): what botocore does outside S3
  kUnsigned,  // the literal UNSIGNED-PAYLOAD (header form: also sent as X-Amz-Content-SHA256)
};

struct Params {
  std::string region;   // us-east-1
  std::string service;  // the signing name: elasticloadbalancing, rds, eks, sts
  WallTime time;        // the request time; X-Amz-Date is its UTC second
  PayloadHash payload = PayloadHash::kSha256;
};

// The intermediate values, for tests and for a server that verifies a signature.
struct Steps {
  config::Secret canonical_request;  // includes the session token when one is signed
  std::string string_to_sign;
  std::string signed_headers;  // host;x-amz-date
  std::string signature;       // lower-case hex
};

// The header form: what to add to the request.
struct HeaderSignature {
  std::string amz_date;       // X-Amz-Date
  std::string authorization;  // Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
  // Every header to add, in this order: X-Amz-Date, X-Amz-Security-Token (with a session token),
  // X-Amz-Content-SHA256 (kUnsigned only), Authorization. Holds the session token: never log it.
  Headers headers;
  Steps steps;
};

// The presigned-URL form (SigV4QueryAuth).
struct QuerySignature {
  // The whole query to put after '?': the request's own parameters, then X-Amz-Algorithm,
  // X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token (with a
  // session token), then X-Amz-Signature. Holds the session token: never log it.
  config::Secret query;
  Steps steps;
};

// Signs with the Authorization header. Headers that botocore never signs (user-agent, expect,
// connection, ...) are skipped if present.
HeaderSignature SignHeaders(const Request& request, const Params& params, const AwsCredentials& credentials);

// Signs into the query string, valid for `expires` after params.time. Only host and the request's
// own headers are signed; there is no X-Amz-Date header.
QuerySignature Presign(const Request& request, const Params& params, std::chrono::seconds expires,
                       const AwsCredentials& credentials);

// The building blocks, exposed for tests and for verifying signatures.

// Percent-encoded normalised path: "/%E1%88%B4".
std::string CanonicalUri(std::string_view path);
// Parameters percent-encoded, sorted by name then value, joined with '&'.
std::string CanonicalQuery(const QueryParams& query);
// The headers lower-cased, values trimmed with inner whitespace runs collapsed, sorted by name, equal
// names joined with ','; each line "name:value\n". `signed_headers` receives "a;b;c".
std::string CanonicalHeaders(const Headers& headers, std::string& signed_headers);
// date/region/service/aws4_request
std::string CredentialScope(WallTime time, std::string_view region, std::string_view service);
std::string CanonicalRequest(std::string_view method, std::string_view path, const QueryParams& query,
                             const Headers& headers_to_sign, std::string_view payload_hash);
std::string StringToSign(WallTime time, std::string_view scope, std::string_view canonical_request);
// kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request" (raw bytes).
config::Secret SigningKey(const config::Secret& secret_access_key, WallTime time, std::string_view region,
                          std::string_view service);
std::string Signature(const config::Secret& signing_key, std::string_view string_to_sign);

// "host" or "host:port" as botocore's Host header has it: the port only when it is not the
// scheme's default (80 for http, 443 for https). IPv6 literals keep their brackets.
std::string HostHeader(std::string_view scheme, std::string_view host, std::string_view port);

}  // namespace runbookd::aws::sigv4
