#include "daemon/clients/aws/signed_request.hpp"

#include <boost/url/parse.hpp>

namespace runbookd::aws {

namespace {

// The path as it can stand in a URL: bytes a path may not hold raw (spaces, non-ASCII, '?', '#')
// are percent-encoded; escapes already there are kept, so a caller's encoding is not doubled.
std::string WirePath(std::string_view path) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool escape = c == '%' && i + 2 < path.size() && is_hex(path[i + 1]) && is_hex(path[i + 2]);
    if (alnum || escape || kAllowed.find(c) != std::string_view::npos) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kDigits[b >> 4];
      out += kDigits[b & 15];
    }
  }
  if (out.empty() || out.front() != '/') out.insert(0, "/");
  return out;
}

}  // namespace

std::optional<Endpoint> ParseEndpoint(std::string_view url, std::string& error) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    error = "\"" + std::string(url) + "\" is not an absolute URL";
    return std::nullopt;
  }
  Endpoint e;
  e.scheme = std::string(parsed->scheme());
  for (char& c : e.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (e.scheme != "http" && e.scheme != "https") {
    error = "\"" + std::string(url) + "\" is not an http or https URL";
    return std::nullopt;
  }
  if (parsed->has_query() || parsed->has_fragment() || parsed->has_userinfo()) {
    error = "\"" + std::string(url) + "\" must not have user info, a query or a fragment";
    return std::nullopt;
  }
  e.host = std::string(parsed->encoded_host());
  if (e.host.empty()) {
    error = "\"" + std::string(url) + "\" has no host";
    return std::nullopt;
  }
  e.port = std::string(parsed->port());
  e.base_path = std::string(parsed->encoded_path());
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  return e;
}

http_client::Request UnsignedHttpRequest(const Endpoint& endpoint, const sigv4::Request& request) {
  http_client::Request out;
  out.method = request.method;
  const std::string path = WirePath(endpoint.base_path + request.path);
  std::string url = endpoint.scheme + "://" + endpoint.host + (endpoint.port.empty() ? "" : ":" + endpoint.port) + path;
  if (!request.query.empty()) url += "?" + FormEncode(request.query);
  out.url = boost::urls::url(url);
  out.headers.emplace_back("Host", endpoint.HostHeader());
  for (const auto& header : request.headers) out.headers.push_back(header);
  out.body = request.body;
  return out;
}

http_client::Request SignedHttpRequest(const Endpoint& endpoint, sigv4::Request request, const sigv4::Params& params,
                                       const AwsCredentials& credentials) {
  request.host = endpoint.HostHeader();
  request.path = WirePath(endpoint.base_path + request.path);
  const sigv4::HeaderSignature signature = sigv4::SignHeaders(request, params, credentials);
  Endpoint without_base = endpoint;
  without_base.base_path.clear();
  http_client::Request out = UnsignedHttpRequest(without_base, request);
  for (const auto& header : signature.headers) out.headers.push_back(header);
  return out;
}

}  // namespace runbookd::aws
