#include "daemon/clients/aws/container_credentials.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/source_fetch.hpp"

namespace runbookd::aws {

namespace asio = boost::asio;

namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool AllowedPlainHttpHost(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  for (const char* allowed : {"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"}) {
    if (host == allowed) return true;
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace

ContainerLookup ContainerFromEnvironment(const Environment& env, const std::string& relative_base) {
  ContainerLookup out;
  const std::optional<std::string> relative = Lookup(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::optional<std::string> full = Lookup(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative && !full) return out;
  if (relative) {
    out.settings.url = relative_base + *relative;
  } else {
    const auto parsed = boost::urls::parse_absolute_uri(*full);
    const std::string scheme = parsed ? std::string(parsed->scheme()) : std::string();
    if (!parsed || (scheme != "http" && scheme != "https")) {
      out.status = CredentialsStatus::kFailed;
      out.error = "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http or https URL";
      return out;
    }
    if (scheme == "http" && !AllowedPlainHttpHost(std::string(parsed->encoded_host()))) {
      out.status = CredentialsStatus::kFailed;
      out.error = "AWS_CONTAINER_CREDENTIALS_FULL_URI host " + Quoted(parsed->encoded_host()) +
                  " is not allowed over http: only loopback, 169.254.170.2, 169.254.170.23, fd00:ec2::23 and localhost";
      return out;
    }
    out.settings.url = *full;
  }
  out.settings.authorization_file = Lookup(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
  out.settings.authorization = config::Secret(Lookup(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or(""));
  out.status = CredentialsStatus::kOk;
  return out;
}

asio::awaitable<CredentialsResult> FetchContainerCredentials(asio::any_io_executor ex,
                                                             const ContainerSettings& settings, SteadyTime deadline) {
  std::string authorization = settings.authorization.Reveal();
  if (!settings.authorization_file.empty()) {
    std::ifstream in(settings.authorization_file, std::ios::binary);
    if (!in) {
      const std::string reason = std::strerror(errno);
      co_return CredentialsFailure(CredentialsStatus::kFailed, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " +
                                                                   Quoted(settings.authorization_file) + ": " + reason);
    }
    std::ostringstream content;
    content << in.rdbuf();
    authorization = content.str();
  }
  if (authorization.find_first_of("\r\n") != std::string::npos) {
    Cleanse(authorization);
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 "the container authorization token is not a legal header value (it has a line break)");
  }
  const auto parsed = boost::urls::parse_absolute_uri(settings.url);
  if (!parsed) {
    co_return CredentialsFailure(CredentialsStatus::kFailed,
                                 "the container credentials URL " + Quoted(settings.url) + " is not valid");
  }
  http_client::Request request;
  request.url = *parsed;
  request.headers.emplace_back("Accept", "application/json");
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  Cleanse(authorization);
  const std::string what = "container credentials at " + std::string(parsed->encoded_host_and_port());
  const http_client::Response response = co_await FetchStep(ex, request, deadline, settings.timeout);
  if (!response.ok()) co_return ExchangeFailure(response, what);
  if (response.status != 200) {
    co_return CredentialsFailure(CredentialsStatus::kFailed, what + ": HTTP " + std::to_string(response.status));
  }
  co_return ParseCredentialsJson(response.body, "container");
}

}  // namespace runbookd::aws
