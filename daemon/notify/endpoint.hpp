#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/http/http_client.hpp"
#include "daemon/core/notifier.hpp"

// What the three notifiers share: where they POST, how a response becomes a NotifyResult, and
// keeping their secrets out of every detail.
namespace runbookd::notify {

// Strings that must never appear in a detail. Server text is quoted in details (Slack's
// "invalid_payload", PagerDuty's errors), and a server may echo the request, its URL or a key.
class Redactor {
 public:
  void Add(std::string_view secret);
  // A URL that is itself a secret (a Slack webhook URL carries its token in the path): the whole
  // URL, its path and query, the last path segment (the token), and any user info or query value.
  void AddUrl(boost::urls::url_view url);
  // `text` with every secret replaced by <secret>.
  std::string Redact(std::string text) const;

 private:
  std::vector<std::string> secrets_;
};

// Where one notifier sends, built once when the config is read.
struct Endpoint {
  boost::urls::url url;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // for https; one per notifier
  std::string peer;                                        // host[:port], the only part of the URL details name
  Redactor redactor;
};

// An endpoint for `url_text`, an http(s) URL with a host. When `secret` (the URL came from a
// *_file key), the URL goes into the redactor and errors at `node` never quote it.
std::optional<Endpoint> MakeEndpoint(const config::Node& node, const std::string& url_text, bool secret);

// A secret written into the config as `<base>: value` is refused with a pointer to `<base>_file`
// (the config is often world-readable and kept in git); the value is not quoted. True when it was
// given (and reported), so the caller need not also report the secret as missing.
bool RejectInlineSecret(const config::Node& spec, std::string_view base);

// The endpoint of a secret URL read from `<base>_file` (or `<base>_env`): nullopt, with an error
// recorded at `spec`, when neither key is given or the URL is unusable.
std::optional<Endpoint> ReadSecretEndpoint(const config::Node& spec, std::string_view base);

using Headers = std::vector<std::pair<std::string, std::string>>;

// One POST of a JSON body (Content-Type: application/json, then `headers`) by the context's
// deadline, redirects not followed.
boost::asio::awaitable<http_client::Response> PostJson(const NotifyContext& ctx, const Endpoint& endpoint,
                                                       std::string body, Headers headers);

enum class Success {
  kStatus200,  // Slack: only 200 is success
  kAny2xx,
};

// What one response (or network failure) means: ok on success; retryable for 429 (with its
// Retry-After), 5xx and network errors; not retryable for other answers or an unusable TLS peer.
// `service_text` is what the service said ("invalid_payload"): it is made one line, cut short and
// redacted before it joins the detail.
NotifyResult Classify(const Endpoint& endpoint, const http_client::Response& response, Success success,
                      std::string_view service, std::string service_text);

// Retry-After in delta-seconds (Slack and PagerDuty send that form); nullopt otherwise.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// The value's first `max_bytes` bytes without cutting a UTF-8 sequence, with "…" when cut.
std::string Truncate(std::string_view text, size_t max_bytes);

}  // namespace runbookd::notify
