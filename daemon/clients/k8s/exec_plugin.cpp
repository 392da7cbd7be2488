#include "daemon/clients/k8s/exec_plugin.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>

#include "daemon/clients/k8s/base64.hpp"
#include "daemon/clients/k8s/exec_process.hpp"

namespace runbookd::k8s {

namespace {

namespace json = boost::json;

constexpr size_t kStderrSnippet = 200;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Named(const ExecPluginSettings& plugin) { return "exec plugin " + Quoted(plugin.command); }

// At most the first 200 characters of stderr as one line (control characters become spaces,
// a UTF-8 sequence is never cut in half).
std::string StderrSnippet(std::string_view err) {
  size_t n = std::min(err.size(), kStderrSnippet);
  while (n > 0 && n < err.size() && (static_cast<unsigned char>(err[n]) & 0xC0) == 0x80) --n;
  std::string out;
  bool space = false;
  for (char c : err.substr(0, n)) {
    if (std::iscntrl(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string WithStderr(std::string message, std::string_view err) {
  const std::string snippet = StderrSnippet(err);
  return snippet.empty() ? message : message + ": " + snippet;
}

ExecResult Failed(std::string error) {
  ExecResult r;
  r.status = ExecResult::Status::kFailed;
  r.error = std::move(error);
  return r;
}

// Digits of `text` at [pos, pos+n) as a number; -1 when not all digits.
int Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<WallTime> ParseRfc3339(std::string_view t) {
  // 2006-01-02T15:04:05[.999999999](Z|+07:00)
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const int year = Digits(t, 0, 4), month = Digits(t, 5, 2), day = Digits(t, 8, 2);
  const int hour = Digits(t, 11, 2), minute = Digits(t, 14, 2), second = Digits(t, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const size_t start = pos;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      fraction += std::chrono::nanoseconds((t[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::chrono::minutes offset{0};
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    const int oh = Digits(t, pos + 1, 2), om = Digits(t, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= t.size() || t[pos + 3] != ':' || oh > 23 || om > 59) return std::nullopt;
    offset = std::chrono::minutes((t[pos] == '-' ? -1 : 1) * (oh * 60 + om));
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  const auto local = std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                     std::chrono::seconds(second);
  return std::chrono::time_point_cast<WallTime::duration>(local - offset + fraction);
}

std::string ExecInfo(const ExecPluginSettings& plugin, const ConnectionSettings& settings) {
  json::object spec;
  spec["interactive"] = false;
  if (plugin.provide_cluster_info) {
    // client-go's clientauthentication Cluster, with its omitempty fields left out when empty.
    json::object cluster;
    cluster["server"] = settings.server;
    if (!settings.tls_server_name.empty()) cluster["tls-server-name"] = settings.tls_server_name;
    if (settings.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!settings.ca_pem.empty()) cluster["certificate-authority-data"] = Base64Encode(settings.ca_pem);
    spec["cluster"] = std::move(cluster);
  }
  json::object info;
  info["apiVersion"] = plugin.api_version;
  info["kind"] = "ExecCredential";
  info["spec"] = std::move(spec);
  return json::serialize(info);
}

ExecResult ParseExecCredential(std::string_view output, const ExecPluginSettings& plugin) {
  const std::string name = Named(plugin);
  boost::system::error_code ec;
  const json::value doc = json::parse(output, ec);
  if (ec || !doc.is_object()) return Failed(name + " did not print a JSON ExecCredential");
  const json::object& obj = doc.as_object();
  const json::value* api_version = obj.if_contains("apiVersion");
  if (api_version == nullptr || !api_version->is_string() || api_version->as_string() != plugin.api_version) {
    return Failed(name + " printed an ExecCredential whose apiVersion is not " + plugin.api_version);
  }
  const json::value* kind = obj.if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->as_string() != "ExecCredential") {
    return Failed(name + " printed an object whose kind is not ExecCredential");
  }
  const json::value* status = obj.if_contains("status");
  if (status == nullptr || !status->is_object()) return Failed(name + " printed an ExecCredential without status");

  auto string_at = [&](std::string_view key, std::string* out) {
    const json::value* v = status->as_object().if_contains(key);
    if (v == nullptr || v->is_null()) return true;
    if (!v->is_string()) return false;
    *out = std::string(v->as_string());
    return true;
  };
  std::string token, cert, key, expiry;
  if (!string_at("token", &token) || !string_at("clientCertificateData", &cert) || !string_at("clientKeyData", &key) ||
      !string_at("expirationTimestamp", &expiry)) {
    return Failed(name + " printed an ExecCredential with a status field that is not a string");
  }
  if (token.empty() && cert.empty() && key.empty()) {
    return Failed(name + " printed an ExecCredential with neither token nor clientCertificateData");
  }
  if (cert.empty() != key.empty()) {
    return Failed(name + " printed an ExecCredential with only one of clientCertificateData and clientKeyData");
  }
  ExecResult result;
  result.status = ExecResult::Status::kOk;
  if (!expiry.empty()) {
    result.credential.expiry = ParseRfc3339(expiry);
    if (!result.credential.expiry) {
      return Failed(name + " printed an ExecCredential whose expirationTimestamp is not an RFC 3339 time");
    }
  }
  result.credential.token = config::Secret(std::move(token));
  result.credential.client_cert_pem = std::move(cert);
  result.credential.client_key_pem = config::Secret(std::move(key));
  return result;
}

boost::asio::awaitable<ExecResult> RunExecPlugin(boost::asio::any_io_executor ex, const ConnectionSettings& settings,
                                                 SteadyTime deadline) {
  const ExecPluginSettings& plugin = *settings.exec;
  ProcessSpec spec;
  spec.command = plugin.command;
  spec.args = plugin.args;
  spec.env = plugin.env;
  spec.env.emplace_back("KUBERNETES_EXEC_INFO", ExecInfo(plugin, settings));

  const ProcessResult run = co_await RunProcess(ex, spec, deadline);
  const std::string name = Named(plugin);
  using Status = ProcessResult::Status;
  switch (run.status) {
    case Status::kStartFailed:
      co_return Failed(name + " could not be started: " + run.start_error);
    case Status::kTimeout:
      co_return Failed(WithStderr(name + " did not finish before the deadline and was killed", run.err));
    case Status::kCancelled: {
      ExecResult cancelled;
      cancelled.status = ExecResult::Status::kCancelled;
      cancelled.error = name + " was cancelled";
      co_return cancelled;
    }
    case Status::kOutputTooLarge:
      co_return Failed(name + " printed more than " + std::to_string(spec.max_stdout_bytes / 1024) +
                       " KiB and was killed");
    case Status::kSignaled:
      co_return Failed(WithStderr(name + " was killed by signal " + std::to_string(run.signal), run.err));
    case Status::kExited:
      break;
  }
  if (run.exit_code != 0) {
    co_return Failed(WithStderr(name + " exited with status " + std::to_string(run.exit_code), run.err));
  }
  co_return ParseExecCredential(run.out, plugin);
}

}  // namespace runbookd::k8s
