#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "daemon/clients/http/http_client.hpp"
#include "daemon/core/go_regex.hpp"
#include "daemon/core/probe.hpp"

namespace runbookd::probes::http {

// A regular expression with the text it came from (for details and errors). Go's syntax and
// semantics, as blackbox_exporter reads them; Boost.Regex underneath does not recurse per byte, so
// a large body cannot exhaust the stack.
struct Pattern {
  std::string text;
  GoRegex regex;
};

// blackbox's http_header_match_spec.
struct HeaderMatch {
  std::string header;
  Pattern pattern;
  bool allow_missing = false;
};

// Inclusive range of accepted status codes.
struct StatusRange {
  int low = 200;
  int high = 299;
};

// Everything one http check decides with, parsed once from a runbookd spec or a blackbox module.
// Shared read-only between the probes of one module.
struct HttpCheck {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  http_client::Options client;  // deadline is filled in per run

  std::vector<StatusRange> valid_status;         // empty: any 2xx
  std::vector<std::string> valid_http_versions;  // "HTTP/1.1"; empty: any
  std::vector<std::string> body_contains;
  std::vector<Pattern> body_must_match;
  std::vector<Pattern> body_must_not_match;
  std::vector<HeaderMatch> header_must_match;
  std::vector<HeaderMatch> header_must_not_match;
  bool fail_if_ssl = false;
  bool fail_if_not_ssl = false;
  std::optional<config::Duration> latency_threshold;
};

// Compiles a regex as blackbox users write them (Go's RE2 syntax). Sets `error` on failure.
std::optional<Pattern> CompilePattern(const std::string& text, std::string& error);

// Turns a response into a result: the checks in blackbox's order (status, headers, body, HTTP
// version, TLS), then the latency threshold. `shown_url` is the URL with any password removed.
ProbeResult Evaluate(const HttpCheck& check, const std::string& shown_url, const http_client::Response& response);

// The URL as it may be shown in details and logs: the userinfo password is replaced.
std::string RedactedUrl(const boost::urls::url& url);

// One configured check against one URL.
class HttpProbe final : public Probe {
 public:
  HttpProbe(std::shared_ptr<const HttpCheck> check, boost::urls::url url);
  boost::asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override;

 private:
  std::shared_ptr<const HttpCheck> check_;
  boost::urls::url url_;
  std::string shown_url_;
};

}  // namespace runbookd::probes::http
