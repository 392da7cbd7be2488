#include "daemon/clients/aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/crypto.hpp"

namespace runbookd::aws::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// botocore's SIGNED_HEADERS_BLACKLIST: hop-by-hop headers and ones proxies rewrite.
constexpr std::array<std::string_view, 11> kNeverSigned = {
    "connection",        "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};

// The signer sets these itself; a caller's copy is dropped, as botocore replaces them.
constexpr std::array<std::string_view, 4> kSignerOwned = {"host", "x-amz-date", "x-amz-security-token",
                                                          "authorization"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Python's ' '.join(value.split()): trims, and turns every run of whitespace into one space.
std::string TrimAll(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The request's own headers that get signed, lower-cased, plus host.
Headers HeadersToSign(const Request& request) {
  Headers out;
  out.emplace_back("host", request.host);
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (Contains(kNeverSigned, lower) || Contains(kSignerOwned, lower)) continue;
    out.emplace_back(std::move(lower), value);
  }
  return out;
}

std::string FindHeader(const Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::string PayloadHashOf(const Request& request, PayloadHash payload) {
  return payload == PayloadHash::kUnsigned ? std::string(kUnsignedPayload) : Sha256Hex(request.body);
}

std::string ScopedCredential(const AwsCredentials& credentials, std::string_view scope) {
  return credentials.access_key_id.Reveal() + "/" + std::string(scope);
}

}  // namespace

std::string CanonicalUri(std::string_view path) { return PercentEncode(NormalizePath(path), /*keep_slash=*/true); }

std::string CanonicalQuery(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(PercentEncode(name), PercentEncode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const Headers& headers, std::string& signed_headers) {
  std::map<std::string, std::string> merged;  // sorted by lower-case name
  for (const auto& [name, value] : headers) {
    std::string& line = merged[Lower(TrimAll(name))];
    if (!line.empty()) line += ',';
    line += TrimAll(value);
  }
  std::string out;
  signed_headers.clear();
  for (const auto& [name, value] : merged) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  return out;
}

std::string CredentialScope(WallTime time, std::string_view region, std::string_view service) {
  return FormatScopeDate(time) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
}

std::string CanonicalRequest(std::string_view method, std::string_view path, const QueryParams& query,
                             const Headers& headers_to_sign, std::string_view payload_hash) {
  std::string signed_headers;
  const std::string headers = CanonicalHeaders(headers_to_sign, signed_headers);
  std::string out;
  out += method;
  out += '\n';
  out += CanonicalUri(path);
  out += '\n';
  out += CanonicalQuery(query);
  out += '\n';
  out += headers;  // each line ends in '\n'; the next one is the separator
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(WallTime time, std::string_view scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += FormatAmzDate(time);
  out += '\n';
  out += scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

config::Secret SigningKey(const config::Secret& secret_access_key, WallTime time, std::string_view region,
                          std::string_view service) {
  std::string key = "AWS4" + secret_access_key.Reveal();
  std::string date_key = HmacSha256(key, FormatScopeDate(time));
  std::string region_key = HmacSha256(date_key, region);
  std::string service_key = HmacSha256(region_key, service);
  config::Secret signing(HmacSha256(service_key, "aws4_request"));
  for (std::string* s : {&key, &date_key, &region_key, &service_key}) Cleanse(*s);
  return signing;
}

std::string Signature(const config::Secret& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key.Reveal(), string_to_sign));
}

HeaderSignature SignHeaders(const Request& request, const Params& params, const AwsCredentials& credentials) {
  HeaderSignature out;
  out.amz_date = FormatAmzDate(params.time);
  Headers to_sign = HeadersToSign(request);
  to_sign.emplace_back("x-amz-date", out.amz_date);
  out.headers.emplace_back("X-Amz-Date", out.amz_date);
  if (credentials.temporary()) {
    to_sign.emplace_back("x-amz-security-token", credentials.session_token.Reveal());
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.Reveal());
  }
  // Like botocore: a caller's X-Amz-Content-SHA256 is the payload hash; kUnsigned sends one.
  std::string payload_hash = FindHeader(to_sign, "x-amz-content-sha256");
  if (payload_hash.empty()) {
    payload_hash = PayloadHashOf(request, params.payload);
    if (params.payload == PayloadHash::kUnsigned) {
      to_sign.emplace_back("x-amz-content-sha256", payload_hash);
      out.headers.emplace_back("X-Amz-Content-SHA256", payload_hash);
    }
  }

  const std::string canonical = CanonicalRequest(request.method, request.path, request.query, to_sign, payload_hash);
  const std::string scope = CredentialScope(params.time, params.region, params.service);
  out.steps.string_to_sign = StringToSign(params.time, scope, canonical);
  out.steps.canonical_request = config::Secret(canonical);
  CanonicalHeaders(to_sign, out.steps.signed_headers);
  out.steps.signature = Signature(SigningKey(credentials.secret_access_key, params.time, params.region, params.service),
                                  out.steps.string_to_sign);
  out.authorization = std::string(kAlgorithm) + " Credential=" + ScopedCredential(credentials, scope) +
                      ", SignedHeaders=" + out.steps.signed_headers + ", Signature=" + out.steps.signature;
  out.headers.emplace_back("Authorization", out.authorization);
  return out;
}

QuerySignature Presign(const Request& request, const Params& params, std::chrono::seconds expires,
                       const AwsCredentials& credentials) {
  QuerySignature out;
  const Headers to_sign = HeadersToSign(request);
  std::string signed_headers;
  CanonicalHeaders(to_sign, signed_headers);
  const std::string scope = CredentialScope(params.time, params.region, params.service);

  // botocore's order: the operation's parameters, then the auth parameters; the signature last.
  QueryParams auth = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
                      {"X-Amz-Credential", ScopedCredential(credentials, scope)},
                      {"X-Amz-Date", FormatAmzDate(params.time)},
                      {"X-Amz-Expires", std::to_string(expires.count())},
                      {"X-Amz-SignedHeaders", signed_headers}};
  if (credentials.temporary()) auth.emplace_back("X-Amz-Security-Token", credentials.session_token.Reveal());
  QueryParams all = request.query;
  all.insert(all.end(), auth.begin(), auth.end());

  const std::string canonical =
      CanonicalRequest(request.method, request.path, all, to_sign, PayloadHashOf(request, params.payload));
  out.steps.string_to_sign = StringToSign(params.time, scope, canonical);
  out.steps.canonical_request = config::Secret(canonical);
  out.steps.signed_headers = signed_headers;
  out.steps.signature = Signature(SigningKey(credentials.secret_access_key, params.time, params.region, params.service),
                                  out.steps.string_to_sign);

  std::string query = FormEncode(request.query);
  if (!query.empty()) query += '&';
  query += FormEncode(auth);
  query += "&X-Amz-Signature=" + out.steps.signature;
  out.query = config::Secret(std::move(query));
  return out;
}

std::string HostHeader(std::string_view scheme, std::string_view host, std::string_view port) {
  std::string out(host);
  if (out.find(':') != std::string::npos && out.front() != '[') out = "[" + out + "]";
  const bool default_port =
      port.empty() || (Lower(scheme) == "http" && port == "80") || (Lower(scheme) == "https" && port == "443");
  if (!default_port) out += ":" + std::string(port);
  return out;
}

}  // namespace runbookd::aws::sigv4
