#include "probes/http/http_check.hpp"

#include <strings.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>
#include <cstdio>

#include "daemon/clients/dns/resolver.hpp"

namespace runbookd::probes::http {

namespace {

using http_client::ErrorKind;
using http_client::Response;

std::string StatusList(const std::vector<StatusRange>& ranges) {
  if (ranges.empty()) return "200-299";
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.low == r.high ? std::to_string(r.low) : std::to_string(r.low) + "-" + std::to_string(r.high);
  }
  return out;
}

bool StatusAccepted(const std::vector<StatusRange>& ranges, int status) {
  if (ranges.empty()) return status >= 200 && status <= 299;
  for (const auto& r : ranges) {
    if (status >= r.low && status <= r.high) return true;
  }
  return false;
}

std::string Millis(double seconds) { return std::to_string(static_cast<long long>(seconds * 1000 + 0.5)) + " ms"; }

// The probe ends on the first failed check; reason and text say which.
struct Failure {
  ProbeReason reason;
  std::string what;
};

bool Search(const std::string& text, const Pattern& p) { return p.regex.Search(text); }

std::optional<Failure> CheckHeaders(const HttpCheck& check, const Response& r) {
  auto values_of = [&r](const std::string& name) {
    std::vector<std::string> values;
    for (const auto& [n, v] : r.headers) {
      if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) values.push_back(v);
    }
    return values;
  };
  for (const auto& m : check.header_must_not_match) {
    auto values = values_of(m.header);
    if (values.empty() && !m.allow_missing)
      return Failure{ProbeReason::kBodyMismatch, "header " + m.header + " missing"};
    for (const auto& v : values) {
      if (Search(v, m.pattern)) {
        return Failure{ProbeReason::kBodyMismatch, "header " + m.header + " matched /" + m.pattern.text + "/"};
      }
    }
  }
  for (const auto& m : check.header_must_match) {
    auto values = values_of(m.header);
    if (values.empty()) {
      if (m.allow_missing) continue;
      return Failure{ProbeReason::kBodyMismatch, "header " + m.header + " missing"};
    }
    bool any = false;
    for (const auto& v : values) any = any || Search(v, m.pattern);
    if (!any)
      return Failure{ProbeReason::kBodyMismatch, "header " + m.header + " did not match /" + m.pattern.text + "/"};
  }
  return std::nullopt;
}

std::optional<Failure> CheckBody(const HttpCheck& check, const Response& r) {
  for (const auto& s : check.body_contains) {
    if (r.body.find(s) == std::string::npos) {
      return Failure{ProbeReason::kBodyMismatch, "body does not contain \"" + s + "\""};
    }
  }
  for (const auto& p : check.body_must_not_match) {
    if (Search(r.body, p)) return Failure{ProbeReason::kBodyMismatch, "body matched /" + p.text + "/"};
  }
  for (const auto& p : check.body_must_match) {
    if (!Search(r.body, p)) return Failure{ProbeReason::kBodyMismatch, "body did not match /" + p.text + "/"};
  }
  return std::nullopt;
}

ProbeResult FromClientError(const Response& r, const std::string& prefix) {
  const std::string detail = prefix + r.error_message;
  switch (r.error) {
    case ErrorKind::kDnsError:
      return ProbeResult::Unhealthy(ProbeReason::kDnsError, detail);
    case ErrorKind::kConnectionRefused:
      return ProbeResult::Unhealthy(ProbeReason::kConnectionRefused, detail);
    case ErrorKind::kConnectionFailed:
      return ProbeResult::Unhealthy(ProbeReason::kConnectionFailed, detail);
    case ErrorKind::kTimeout:
      return ProbeResult::Unhealthy(ProbeReason::kTimeout, detail);
    case ErrorKind::kCancelled:
      return ProbeResult::Unknown(ProbeReason::kTimeout, detail);
    case ErrorKind::kTlsError:
      return ProbeResult::Unhealthy(ProbeReason::kTlsError, detail);
    case ErrorKind::kCertExpired:
      return ProbeResult::Unhealthy(ProbeReason::kCertExpired, detail);
    case ErrorKind::kCertUntrusted:
      return ProbeResult::Unhealthy(ProbeReason::kCertUntrusted, detail);
    case ErrorKind::kCertHostnameMismatch:
      return ProbeResult::Unhealthy(ProbeReason::kCertHostnameMismatch, detail);
    case ErrorKind::kProtocolError:
      return ProbeResult::Unhealthy(ProbeReason::kProtocolError, detail);
    case ErrorKind::kBodyTooLarge:
      return ProbeResult::Unhealthy(ProbeReason::kBodyTooLarge, detail);
    case ErrorKind::kTooManyRedirects:
      return ProbeResult::Unhealthy(ProbeReason::kRedirect, detail);
    case ErrorKind::kInvalidRequest:
      // A bad Location is the target's doing; a bad first URL is ours.
      return r.redirects > 0 ? ProbeResult::Unhealthy(ProbeReason::kRedirect, detail)
                             : ProbeResult::Unknown(ProbeReason::kMisconfigured, detail);
    case ErrorKind::kNone:
      break;
  }
  return ProbeResult::Unknown(ProbeReason::kInternalError, detail);
}

}  // namespace

std::optional<Pattern> CompilePattern(const std::string& text, std::string& error) {
  std::string why;
  auto regex = GoRegex::Compile(text, why);
  if (!regex) {
    error = "invalid regular expression \"" + text + "\": " + why;
    return std::nullopt;
  }
  return Pattern{text, std::move(*regex)};
}

std::string RedactedUrl(const boost::urls::url& url) {
  if (!url.has_password()) return std::string(url.buffer());
  boost::urls::url copy = url;
  copy.set_password("xxxxx");
  return std::string(copy.buffer());
}

ProbeResult Evaluate(const HttpCheck& check, const std::string& shown_url, const Response& r) {
  const std::string prefix = check.method + " " + shown_url + ": ";
  const bool answered = r.status != 0;

  std::optional<Failure> failure;
  bool failed_due_to_regex = false;
  if (r.ok() || r.error == ErrorKind::kTooManyRedirects || (r.error == ErrorKind::kBodyTooLarge && answered)) {
    if (!StatusAccepted(check.valid_status, r.status)) {
      const std::string location(r.Header("Location"));
      if (r.status >= 300 && r.status < 400 && !location.empty()) {
        failure = Failure{ProbeReason::kRedirect, "status " + std::to_string(r.status) + " redirect to " + location +
                                                      (r.ok() ? " not followed" : ", " + r.error_message)};
      } else {
        failure = Failure{ProbeReason::kHttpStatus,
                          "status " + std::to_string(r.status) + ", expected " + StatusList(check.valid_status)};
      }
    } else if (!r.ok()) {
      failure = Failure{r.error == ErrorKind::kBodyTooLarge ? ProbeReason::kBodyTooLarge : ProbeReason::kRedirect,
                        r.error_message};
    } else if (auto f = CheckHeaders(check, r)) {
      failure = f;
      failed_due_to_regex = true;
    } else if (auto b = CheckBody(check, r)) {
      failure = b;
      failed_due_to_regex = true;
    }
  }

  ProbeResult result;
  if (failure) {
    result = ProbeResult::Unhealthy(failure->reason, prefix + failure->what);
  } else if (!r.ok()) {
    result = FromClientError(r, prefix);
  } else {
    const std::string version = r.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
    bool version_ok = check.valid_http_versions.empty();
    for (const auto& v : check.valid_http_versions) version_ok = version_ok || v == version;
    if (!version_ok) {
      result = ProbeResult::Unhealthy(ProbeReason::kProtocolError, prefix + "answered with " + version);
    } else if (r.tls && check.fail_if_ssl) {
      result = ProbeResult::Unhealthy(ProbeReason::kSslMismatch, prefix + "answered over TLS (fail_if_ssl)");
    } else if (!r.tls && check.fail_if_not_ssl) {
      result = ProbeResult::Unhealthy(ProbeReason::kSslMismatch, prefix + "answered without TLS (fail_if_not_ssl)");
    } else if (check.latency_threshold &&
               r.timing.total > std::chrono::duration<double>(*check.latency_threshold).count()) {
      result = ProbeResult::Unhealthy(ProbeReason::kSlowResponse,
                                      prefix + "status " + std::to_string(r.status) + " in " + Millis(r.timing.total) +
                                          ", slower than " + config::FormatDuration(*check.latency_threshold));
    } else {
      result = ProbeResult::Healthy(prefix + "status " + std::to_string(r.status) + " in " + Millis(r.timing.total));
    }
  }

  result.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(r.timing.total));
  // blackbox_exporter's names and meanings (prober/http.go): a request that got no answer
  // reports status 0, content length 0 and no TLS.
  result.Observe("http_status_code", r.status);
  result.Observe("http_content_length",
                 answered ? (r.content_length ? static_cast<double>(*r.content_length) : -1.0) : 0.0);
  // blackbox reads no body from a redirect it did not follow.
  const bool unfollowed_redirect = r.status >= 300 && r.status < 400 && !r.Header("Location").empty();
  result.Observe("http_uncompressed_body_length",
                 r.ok() && !unfollowed_redirect ? static_cast<double>(r.body.size()) : 0.0);
  result.Observe("http_redirects", r.redirects);
  result.Observe("http_ssl", answered && r.tls ? 1 : 0);
  result.Observe("http_version", !answered ? 0.0 : r.version == 10 ? 1.0 : 1.1);
  result.Observe("failed_due_to_regex", failed_due_to_regex ? 1 : 0);
  result.Observe("dns_lookup_time_seconds", r.timing.resolve);
  result.Observe("http_duration_seconds{phase=\"resolve\"}", r.timing.resolve);
  result.Observe("http_duration_seconds{phase=\"connect\"}", r.timing.connect);
  result.Observe("http_duration_seconds{phase=\"tls\"}", r.timing.tls);
  result.Observe("http_duration_seconds{phase=\"processing\"}", r.timing.processing);
  result.Observe("http_duration_seconds{phase=\"transfer\"}", r.timing.transfer);
  if (r.ip_family != 0) result.Observe("ip_protocol", r.ip_family);
  boost::system::error_code address_error;
  const auto address = boost::asio::ip::make_address(r.remote_address, address_error);
  if (!r.remote_address.empty() && !address_error) result.Observe("ip_addr_hash", dns::IpAddressHash(address));
  if (answered && r.tls && r.earliest_cert_expiry) {
    result.Observe("ssl_earliest_cert_expiry", static_cast<double>(*r.earliest_cert_expiry));
    result.Observe("tls_version_info{version=\"" + r.tls_version + "\"}", 1);
  }
  return result;
}

HttpProbe::HttpProbe(std::shared_ptr<const HttpCheck> check, boost::urls::url url)
    : check_(std::move(check)), url_(std::move(url)), shown_url_(RedactedUrl(url_)) {}

boost::asio::awaitable<ProbeResult> HttpProbe::Run(const ProbeContext& ctx) const {
  http_client::Request request;
  request.method = check_->method;
  request.url = url_;
  request.headers = check_->headers;
  request.body = check_->body;
  http_client::Options options = check_->client;
  options.deadline = ctx.deadline;
  const std::string prefix = check_->method + " " + shown_url_ + ": ";
  // Errors are values: nothing may escape the probe boundary.
  try {
    Response response = co_await http_client::Fetch(ctx.executor, request, options);
    co_return Evaluate(*check_, shown_url_, response);
  } catch (const boost::system::system_error& e) {
    if (e.code() == boost::asio::error::operation_aborted) {
      co_return ProbeResult::Unknown(ProbeReason::kTimeout, prefix + "cancelled");
    }
    co_return ProbeResult::Unknown(ProbeReason::kInternalError, prefix + e.what());
  } catch (const std::exception& e) {
    co_return ProbeResult::Unknown(ProbeReason::kInternalError, prefix + e.what());
  }
}

}  // namespace runbookd::probes::http
