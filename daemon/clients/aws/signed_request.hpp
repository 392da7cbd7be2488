#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/aws/sigv4.hpp"
#include "daemon/clients/http/http_client.hpp"

namespace runbookd::aws {

// Where a service's requests go (a connection's `endpoints.<service>`, or the regional default).
struct Endpoint {
  std::string scheme;     // http or https
  std::string host;       // as in the URL: a name, an IPv4 address or a bracketed IPv6 one
  std::string port;       // empty: the scheme's default
  std::string base_path;  // prepended to every request's path; empty or "/prefix" without a trailing '/'

  // The Host header requests to this endpoint carry, and are signed with.
  std::string HostHeader() const { return sigv4::HostHeader(scheme, host, port); }
};

// Parses "https://host[:port][/prefix]"; nullopt with `error` set for anything else (a query, a
// fragment, user info, another scheme).
std::optional<Endpoint> ParseEndpoint(std::string_view url, std::string& error);

// The http_client request for `request` (whose host is replaced by the endpoint's), signed with the
// Authorization header form. The request carries an explicit Host header equal to the signed one.
// Send it with follow_redirects off: a redirect would carry the session token elsewhere.
http_client::Request SignedHttpRequest(const Endpoint& endpoint, sigv4::Request request, const sigv4::Params& params,
                                       const AwsCredentials& credentials);

// The same request unsigned (STS AssumeRoleWithWebIdentity needs no signature).
http_client::Request UnsignedHttpRequest(const Endpoint& endpoint, const sigv4::Request& request);

}  // namespace runbookd::aws
