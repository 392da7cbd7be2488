#include "daemon/notify/endpoint.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>

#include "daemon/clients/tls/tls.hpp"

namespace runbookd::notify {

namespace {

// Shorter strings would mask ordinary words of a detail, and no real secret is that short.
constexpr size_t kMinSecretLength = 4;
constexpr size_t kMaxServiceText = 300;
constexpr uint64_t kMaxResponseBytes = 64 * 1024;  // services answer a word or a small JSON object
constexpr std::chrono::hours kMaxRetryAfter{24};

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// Whether trying again soon may help. Certificate problems and a bad URL will not change by then.
bool NetworkErrorRetryable(http_client::ErrorKind kind) {
  switch (kind) {
    case http_client::ErrorKind::kInvalidRequest:
    case http_client::ErrorKind::kCertExpired:
    case http_client::ErrorKind::kCertUntrusted:
    case http_client::ErrorKind::kCertHostnameMismatch:
      return false;
    default:
      return true;
  }
}

}  // namespace

void Redactor::Add(std::string_view secret) {
  if (secret.size() < kMinSecretLength) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.emplace_back(secret);
  // Longest first, so a secret that contains another is masked whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void Redactor::AddUrl(boost::urls::url_view url) {
  Add(url.buffer());
  Add(url.encoded_target());
  Add(url.encoded_userinfo());
  Add(url.password());
  const auto segments = url.encoded_segments();
  if (!segments.empty()) {
    Add(segments.back());
    Add(segments.back().decode());
  }
  for (const auto& param : url.encoded_params()) {
    if (param.has_value) {
      Add(param.value);
      Add(param.value.decode());
    }
  }
}

std::string Redactor::Redact(std::string text) const {
  for (const std::string& secret : secrets_) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<secret>");
      at += 8;
    }
  }
  return text;
}

std::optional<Endpoint> MakeEndpoint(const config::Node& node, const std::string& url_text, bool secret) {
  const std::string shown = secret ? "the URL (not shown: it is a secret)" : "URL \"" + url_text + "\"";
  auto parsed = boost::urls::parse_uri(url_text);
  if (!parsed) {
    node.Error(shown + " is not a valid URL");
    return std::nullopt;
  }
  if (parsed->scheme() != "http" && parsed->scheme() != "https") {
    node.Error(shown + " must start with http:// or https://");
    return std::nullopt;
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    node.Error(shown + " has no host");
    return std::nullopt;
  }
  if (parsed->has_port() && (parsed->port().empty() || parsed->port_number() == 0)) {
    node.Error(shown + " has an invalid port");
    return std::nullopt;
  }
  Endpoint endpoint;
  endpoint.url = boost::urls::url(*parsed);
  endpoint.peer = std::string(endpoint.url.encoded_host_and_port());
  if (secret) endpoint.redactor.AddUrl(endpoint.url);
  if (endpoint.url.scheme_id() == boost::urls::scheme::https) {
    tls::ContextOrError built = tls::MakeClientContext(tls::TlsOptions{});
    if (!built.context) {
      node.Error("cannot set up TLS: " + built.error);
      return std::nullopt;
    }
    endpoint.tls_context = std::move(built.context);
  }
  return endpoint;
}

bool RejectInlineSecret(const config::Node& spec, std::string_view base) {
  const config::Node inline_value = spec[base];
  if (!inline_value.defined()) return false;
  inline_value.Error(std::string(base) + " is a secret: put it in a file and give " + std::string(base) + "_file (or " +
                     std::string(base) + "_env)");
  return true;
}

std::optional<Endpoint> ReadSecretEndpoint(const config::Node& spec, std::string_view base) {
  const bool given_inline = RejectInlineSecret(spec, base);
  const std::string file_key = std::string(base) + "_file";
  const std::optional<config::Secret> url = spec.ReadSecret(base);
  if (!url) {
    // ReadSecret said why when a key was given; otherwise nothing was.
    if (!given_inline && !spec[file_key].defined() && !spec[std::string(base) + "_env"].defined()) {
      spec.Error("missing required key \"" + file_key + "\"");
    }
    return std::nullopt;
  }
  return MakeEndpoint(spec[file_key].defined() ? spec[file_key] : spec[std::string(base) + "_env"], url->Reveal(),
                      true);
}

boost::asio::awaitable<http_client::Response> PostJson(const NotifyContext& ctx, const Endpoint& endpoint,
                                                       std::string body, Headers headers) {
  http_client::Request request;
  request.method = "POST";
  request.url = endpoint.url;
  request.headers.emplace_back("Content-Type", "application/json");
  for (auto& header : headers) request.headers.push_back(std::move(header));
  request.body = std::move(body);
  http_client::Options options;
  options.deadline = ctx.deadline;
  options.tls_context = endpoint.tls_context;
  options.follow_redirects = false;  // a redirect could carry the secret URL's request elsewhere
  options.max_body_bytes = kMaxResponseBytes;
  http_client::Response response = co_await http_client::Fetch(ctx.executor, request, options);
  co_return response;
}

NotifyResult Classify(const Endpoint& endpoint, const http_client::Response& response, Success success,
                      std::string_view service, std::string service_text) {
  NotifyResult out;
  out.http_status = response.status;
  // An answer too long to keep whole still has a status worth judging.
  const bool answered =
      response.status != 0 && (response.ok() || response.error == http_client::ErrorKind::kBodyTooLarge);
  if (!answered) {
    out.retryable = NetworkErrorRetryable(response.error);
    out.detail = endpoint.redactor.Redact("POST to " + endpoint.peer + " failed (" +
                                          std::string(http_client::ToString(response.error)) +
                                          "): " + OneLine(response.error_message));
    return out;
  }
  const int status = response.status;
  out.ok = success == Success::kStatus200 ? status == 200 : (status >= 200 && status < 300);
  out.retryable = !out.ok && (status == 429 || status >= 500);
  if (status == 429) out.retry_after = ParseRetryAfter(response.Header("Retry-After"));
  const std::string said = Truncate(OneLine(std::move(service_text)), kMaxServiceText);
  out.detail = std::string(service) + " answered " + std::to_string(status);
  if (!said.empty()) out.detail += ": " + said;
  if (status >= 300 && status < 400) out.detail += " (redirects are not followed)";
  out.detail = endpoint.redactor.Redact(std::move(out.detail));
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(std::min<int64_t>(seconds, std::chrono::seconds(kMaxRetryAfter).count()));
}

std::string Truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (max_bytes < kEllipsis.size()) return {};
  size_t cut = max_bytes - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a code point
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

}  // namespace runbookd::notify
