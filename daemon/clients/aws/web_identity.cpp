#include "daemon/clients/aws/web_identity.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/signed_request.hpp"
#include "daemon/clients/aws/source_fetch.hpp"
#include "daemon/clients/aws/uri_encode.hpp"

namespace runbookd::aws {

namespace asio = boost::asio;

namespace {

constexpr size_t kMaxMessage = 200;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The first element named `name` anywhere under `node` (namespaces ignored, as botocore does).
pugi::xml_node Find(pugi::xml_node node, std::string_view name) {
  return node.find_node([name](pugi::xml_node n) {
    std::string_view tag = n.name();
    if (const size_t colon = tag.find(':'); colon != std::string_view::npos) tag = tag.substr(colon + 1);
    return tag == name;
  });
}

std::string Text(pugi::xml_node node, std::string_view name) {
  const pugi::xml_node found = Find(node, name);
  return found ? std::string(found.child_value()) : std::string();
}

// Printable ASCII only, and short: an error message from a server goes into our own messages.
std::string Sanitized(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxMessage)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::optional<WebIdentitySettings> WebIdentityFromEnvironment(const Environment& env, std::string sts_url) {
  const std::optional<std::string> token_file = Lookup(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::optional<std::string> role_arn = Lookup(env, "AWS_ROLE_ARN");
  if (!token_file || !role_arn) return std::nullopt;
  WebIdentitySettings s;
  s.token_file = *token_file;
  s.role_arn = *role_arn;
  s.session_name = Lookup(env, "AWS_ROLE_SESSION_NAME").value_or("");
  s.sts_url = std::move(sts_url);
  return s;
}

std::string StsUrl(const Environment& env, std::string_view region, std::string_view endpoint_override) {
  if (!endpoint_override.empty()) return std::string(endpoint_override);
  if (auto url = Lookup(env, "AWS_ENDPOINT_URL_STS")) return *url;
  if (auto url = Lookup(env, "AWS_ENDPOINT_URL")) return *url;
  std::string chosen(region);
  if (chosen.empty()) chosen = Lookup(env, "AWS_REGION").value_or(Lookup(env, "AWS_DEFAULT_REGION").value_or(""));
  if (chosen.empty()) return "https://sts.amazonaws.com";
  const bool china = chosen.rfind("cn-", 0) == 0;
  return "https://sts." + chosen + ".amazonaws.com" + (china ? ".cn" : "");
}

std::string AssumeRoleWithWebIdentityBody(std::string_view role_arn, std::string_view session_name,
                                          std::string_view token) {
  return FormEncode({{"Action", "AssumeRoleWithWebIdentity"},
                     {"Version", "2011-06-15"},
                     {"RoleArn", std::string(role_arn)},
                     {"RoleSessionName", std::string(session_name)},
                     {"WebIdentityToken", std::string(token)}});
}

CredentialsResult ParseAssumeRoleWithWebIdentityResponse(int status, std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  if (status < 200 || status > 299) {
    std::string message = "STS AssumeRoleWithWebIdentity answered HTTP " + std::to_string(status);
    if (parsed) {
      const std::string code = Text(doc, "Code");
      if (!code.empty()) message += " " + Sanitized(code);
      const std::string detail = Text(doc, "Message");
      if (!detail.empty()) message += ": " + Sanitized(detail);
    }
    return CredentialsFailure(CredentialsStatus::kFailed, message);
  }
  if (!parsed)
    return CredentialsFailure(CredentialsStatus::kFailed, "STS AssumeRoleWithWebIdentity: the answer is not XML");
  const pugi::xml_node credentials = Find(Find(doc, "AssumeRoleWithWebIdentityResult"), "Credentials");
  if (!credentials) {
    return CredentialsFailure(
        CredentialsStatus::kFailed,
        "STS AssumeRoleWithWebIdentity: the answer has no AssumeRoleWithWebIdentityResult/Credentials");
  }
  CredentialsResult r;
  r.credentials.access_key_id = config::Secret(Text(credentials, "AccessKeyId"));
  r.credentials.secret_access_key = config::Secret(Text(credentials, "SecretAccessKey"));
  r.credentials.session_token = config::Secret(Text(credentials, "SessionToken"));
  r.credentials.expiration = ParseIso8601(Text(credentials, "Expiration"));
  r.credentials.source = "web identity";
  if (r.credentials.access_key_id.empty() || r.credentials.secret_access_key.empty() ||
      r.credentials.session_token.empty() || !r.credentials.expiration) {
    return CredentialsFailure(CredentialsStatus::kFailed,
                              "STS AssumeRoleWithWebIdentity: the answer lacks AccessKeyId, SecretAccessKey, "
                              "SessionToken or a valid Expiration");
  }
  return r;
}

asio::awaitable<CredentialsResult> AssumeRoleWithWebIdentity(asio::any_io_executor ex,
                                                             const WebIdentitySettings& settings, WallTime now,
                                                             SteadyTime deadline) {
  std::ifstream in(settings.token_file, std::ios::binary);
  if (!in) {
    const std::string reason = std::strerror(errno);
    co_return CredentialsFailure(CredentialsStatus::kFailed, "cannot read the web identity token file " +
                                                                 Quoted(settings.token_file) + ": " + reason);
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 "the web identity token file " + Quoted(settings.token_file) + " is empty");
  }
  std::string error;
  const std::optional<Endpoint> endpoint = ParseEndpoint(settings.sts_url, error);
  if (!endpoint) co_return CredentialsFailure(CredentialsStatus::kFailed, "STS endpoint: " + error);

  const std::string session_name =
      settings.session_name.empty()
          ? "runbookd-" +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count())
          : settings.session_name;
  sigv4::Request call;
  call.method = "POST";
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  call.body = AssumeRoleWithWebIdentityBody(settings.role_arn, session_name, token);
  Cleanse(token);
  http_client::Request request = UnsignedHttpRequest(*endpoint, call);
  Cleanse(call.body);
  const http_client::Response response = co_await FetchStep(ex, request, deadline, settings.timeout);
  if (!response.ok()) co_return ExchangeFailure(response, "STS AssumeRoleWithWebIdentity at " + settings.sts_url);
  co_return ParseAssumeRoleWithWebIdentityResponse(response.status, response.body);
}

}  // namespace runbookd::aws
