#include "daemon/clients/aws/imds_credentials.hpp"

#include <boost/url/parse.hpp>

#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/source_fetch.hpp"

namespace runbookd::aws {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kTokenPath = "latest/api/token";
constexpr std::string_view kRolesPath = "latest/meta-data/iam/security-credentials/";
constexpr std::string_view kTokenTtlSeconds = "21600";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

// IAM role names are [\w+=,.@-]+; anything else is not a name to put in a path.
bool IsRoleName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("_+=,.@-").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string Join(const std::string& endpoint, std::string_view path) {
  return endpoint + (!endpoint.empty() && endpoint.back() == '/' ? "" : "/") + std::string(path);
}

http_client::Request Make(const std::string& method, const std::string& url) {
  http_client::Request r;
  r.method = method;
  r.url = boost::urls::url(url);
  return r;
}

}  // namespace

std::optional<ImdsSettings> ImdsFromEnvironment(const Environment& env, std::string_view endpoint_override) {
  if (Lower(Lookup(env, "AWS_EC2_METADATA_DISABLED").value_or("false")) == "true") return std::nullopt;
  ImdsSettings s;
  if (!endpoint_override.empty()) {
    s.endpoint = std::string(endpoint_override);
  } else if (auto endpoint = Lookup(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    s.endpoint = *endpoint;
  } else if (Lower(Lookup(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("")) == "ipv6") {
    s.endpoint = "http://[fd00:ec2::254]";
  }
  s.v1_disabled = Lower(Lookup(env, "AWS_EC2_METADATA_V1_DISABLED").value_or("false")) == "true";
  return s;
}

asio::awaitable<CredentialsResult> FetchImdsCredentials(asio::any_io_executor ex, const ImdsSettings& settings,
                                                        SteadyTime deadline) {
  if (!boost::urls::parse_absolute_uri(Join(settings.endpoint, kTokenPath))) {
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 "the instance metadata endpoint \"" + settings.endpoint + "\" is not a valid URL");
  }
  // IMDSv2 session token.
  http_client::Request token_request = Make("PUT", Join(settings.endpoint, kTokenPath));
  token_request.headers.emplace_back("x-aws-ec2-metadata-token-ttl-seconds", std::string(kTokenTtlSeconds));
  const http_client::Response token_response = co_await FetchStep(ex, token_request, deadline, settings.timeout);
  std::string token;
  if (token_response.ok() && token_response.status == 200) {
    token = token_response.body;
  } else if (token_response.error == http_client::ErrorKind::kCancelled) {
    co_return ExchangeFailure(token_response, "instance metadata token");
  } else if (token_response.ok() && token_response.status == 400) {
    co_return CredentialsFailure(CredentialsStatus::kFailed, "instance metadata token: HTTP 400 (bad request)");
  }
  if (token.empty() && settings.v1_disabled) {
    co_return CredentialsFailure(
        CredentialsStatus::kFailed,
        "instance metadata: no IMDSv2 token (" +
            (token_response.ok() ? "HTTP " + std::to_string(token_response.status) : token_response.error_message) +
            ") and IMDSv1 is disabled");
  }
  // The calls below give up at the caller's deadline: a token answer that timed out must not leave
  // them without time of their own, hence each step's own timeout.
  auto get = [&](const std::string& url) {
    http_client::Request r = Make("GET", url);
    if (!token.empty()) r.headers.emplace_back("x-aws-ec2-metadata-token", token);
    return r;
  };

  http_client::Request role_request = get(Join(settings.endpoint, kRolesPath));
  const http_client::Response role_response = co_await FetchStep(ex, role_request, deadline, settings.timeout);
  if (!role_response.ok()) {
    Cleanse(token);
    co_return ExchangeFailure(role_response, "instance metadata role");
  }
  std::string role = role_response.body;
  if (const size_t newline = role.find_first_of("\r\n"); newline != std::string::npos) role.resize(newline);
  if (role_response.status != 200 || !IsRoleName(role)) {
    Cleanse(token);
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 role_response.status != 200
                                     ? "instance metadata role: HTTP " + std::to_string(role_response.status)
                                     : "instance metadata role: the answer is not an IAM role name");
  }

  http_client::Request credentials_request = get(Join(settings.endpoint, std::string(kRolesPath) + role));
  Cleanse(token);
  const http_client::Response credentials_response =
      co_await FetchStep(ex, credentials_request, deadline, settings.timeout);
  if (!credentials_response.ok()) co_return ExchangeFailure(credentials_response, "instance metadata credentials");
  if (credentials_response.status != 200) {
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 "instance metadata credentials: HTTP " + std::to_string(credentials_response.status));
  }
  co_return ParseCredentialsJson(credentials_response.body, "instance metadata role " + role);
}

}  // namespace runbookd::aws
