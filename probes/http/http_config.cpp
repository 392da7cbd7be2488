// Config of the http probe: the runbookd `spec:` block and the blackbox_exporter `http:` module
// block. Both read every key they support through config::Node, so unknown keys are reported.

#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <limits>

#include "daemon/clients/tls/tls.hpp"
#include "probes/http/http_check.hpp"
#include "probes/http/http_probe.hpp"

namespace runbookd::probes::http {

namespace {

using config::Node;

constexpr uint64_t kDefaultMaxBodyBytes = 10 * 1024 * 1024;

size_t ErrorCount(const Node& node) { return node.diagnostics().items().size(); }

// An http(s) URL with a host, or nullopt (error recorded at `node`).
std::optional<boost::urls::url> ParseHttpUrl(const std::string& text, std::string& error) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    error = "invalid URL \"" + text + "\": " + parsed.error().message();
    return std::nullopt;
  }
  const auto scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") {
    error = "URL \"" + text + "\" must start with http:// or https://";
    return std::nullopt;
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    error = "URL \"" + text + "\" has no host";
    return std::nullopt;
  }
  if (parsed->has_port() && (parsed->port().empty() || parsed->port_number() == 0)) {
    error = "URL \"" + text + "\" has an invalid port";
    return std::nullopt;
  }
  return boost::urls::url(*parsed);
}

bool IsToken(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::string ReadMethod(const Node& node) {
  std::string method = node.AsString("GET");
  if (!IsToken(method)) {
    node.Error("invalid HTTP method \"" + method + "\"");
    return "GET";
  }
  return method;
}

std::vector<std::pair<std::string, std::string>> ReadHeaders(const Node& node) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : node.Entries()) {
    if (!IsToken(name)) {
      value.Error("invalid header name \"" + name + "\"");
      continue;
    }
    out.emplace_back(name, value.AsString());
  }
  return out;
}

// Items of a list, or the node itself when a single scalar was given.
std::vector<Node> ListItems(const Node& node) {
  if (node.defined() && node.is_scalar()) return {node};
  return node.Items();
}

std::vector<Pattern> ReadPatterns(const Node& node) {
  std::vector<Pattern> out;
  for (const Node& item : ListItems(node)) {
    std::string error;
    if (auto p = CompilePattern(item.AsString(), error)) {
      out.push_back(std::move(*p));
    } else {
      item.Error(error);
    }
  }
  return out;
}

std::vector<HeaderMatch> ReadHeaderMatches(const Node& node) {
  std::vector<HeaderMatch> out;
  for (const Node& item : node.Items()) {
    std::string header = item.Required("header").AsString();
    const bool allow_missing = item["allow_missing"].AsBool(false);
    const Node regexp = item.Required("regexp");
    std::string error;
    if (auto p = CompilePattern(regexp.AsString(), error)) {
      out.push_back(HeaderMatch{std::move(header), std::move(*p), allow_missing});
    } else if (regexp.defined()) {
      regexp.Error(error);
    }
  }
  return out;
}

// expect_status items: a code (200) or a class ("2xx").
std::vector<StatusRange> ReadStatusRanges(const Node& node, bool allow_classes) {
  std::vector<StatusRange> out;
  for (const Node& item : ListItems(node)) {
    const std::string text = item.AsString();
    if (allow_classes && text.size() == 3 && text[0] >= '1' && text[0] <= '5' && (text[1] == 'x' || text[1] == 'X') &&
        (text[2] == 'x' || text[2] == 'X')) {
      const int base = (text[0] - '0') * 100;
      out.push_back({base, base + 99});
      continue;
    }
    const int code = static_cast<int>(item.AsInt(0, 100, 599));
    if (code != 0) out.push_back({code, code});
  }
  return out;
}

// basic_auth {username, password_file|password_env} and bearer_token_file|bearer_token_env become an
// Authorization header. The secret lives only in that header, which no detail or log ever prints.
void ReadAuth(const Node& node, std::vector<std::pair<std::string, std::string>>& headers) {
  const Node basic = node["basic_auth"];
  const auto bearer = node.ReadSecret("bearer_token");
  if (basic.defined()) {
    const std::string user = basic.Required("username").AsString();
    const auto password = basic.ReadSecret("password");
    headers.emplace_back("Authorization",
                         http_client::BasicAuthorization(user, password ? password->Reveal() : std::string()));
    if (bearer) node["bearer_token_file"].Error("give either basic_auth or a bearer token, not both");
  } else if (bearer) {
    headers.emplace_back("Authorization", "Bearer " + bearer->Reveal());
  }
}

// blackbox_exporter reads a body of any size (and drops it); runbookd keeps the body to check it,
// and /probe is open by default, so a module's body is capped: a target streaming without end must
// not exhaust the daemon's memory. Larger bodies fail the probe as over body_size_limit.
constexpr uint64_t kModuleBodyCap = 16ULL * 1024 * 1024;

// blackbox's <size>: bytes, or a number with a base-2 unit (KB = KiB = 1024 bytes, like
// alecthomas/units.Base2Bytes). 0 means no limit.
std::optional<uint64_t> ParseSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  uint64_t n = 0;
  if (std::from_chars(text.data(), text.data() + i, n).ec != std::errc()) return std::nullopt;  // too large
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::pair<std::vector<std::string>, int>> units = {{{"", "B"}, 0},
                                                                       {{"K", "KB", "KIB"}, 10},
                                                                       {{"M", "MB", "MIB"}, 20},
                                                                       {{"G", "GB", "GIB"}, 30},
                                                                       {{"T", "TB", "TIB"}, 40}};
  for (const auto& [names, shift] : units) {
    for (const auto& name : names) {
      if (unit == name) {
        if (shift > 0 && n > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
        return n << shift;
      }
    }
  }
  return std::nullopt;
}

// Builds the TLS context once; an error is recorded at the key at fault.
void BuildTls(const Node& node, const tls::TlsOptions& options, HttpCheck& check) {
  tls::ContextOrError built = tls::MakeClientContext(options);
  if (!built.context) {
    node[built.key].Error(built.error);
    return;
  }
  check.client.tls_context = std::move(built.context);
  check.client.tls_server_name = options.server_name;
  check.client.insecure_skip_verify = options.insecure_skip_verify;
}

std::unique_ptr<Probe> BuildFromSpec(const Node& spec, const ProbeDeps&) {
  if (!spec.is_map()) {
    spec.Error("the http probe needs a spec with at least \"url\"");
    return nullptr;
  }
  const size_t errors_before = ErrorCount(spec);
  auto check = std::make_shared<HttpCheck>();
  const Node url_node = spec.Required("url");
  std::optional<boost::urls::url> url;
  if (url_node.defined()) {
    std::string error;
    url = ParseHttpUrl(url_node.AsString(), error);
    if (!url) url_node.Error(error);
  }
  check->method = ReadMethod(spec["method"]);
  check->headers = ReadHeaders(spec["headers"]);
  check->body = spec["body"].AsString();
  check->valid_status = ReadStatusRanges(spec["expect_status"], true);
  check->body_contains = spec["body_contains"].AsStringList();
  check->body_must_match = ReadPatterns(spec["body_regex"]);
  check->body_must_not_match = ReadPatterns(spec["body_not_regex"]);
  check->client.max_body_bytes =
      static_cast<uint64_t>(spec["max_body_bytes"].AsInt(kDefaultMaxBodyBytes, 1, std::numeric_limits<int64_t>::max()));
  check->client.follow_redirects = spec["follow_redirects"].AsBool(true);
  check->client.max_redirects = static_cast<int>(spec["max_redirects"].AsInt(10, 0, 100));
  if (const Node latency = spec["latency_threshold"]; latency.defined()) {
    check->latency_threshold = latency.AsDuration(config::Duration(0));
  }
  const std::string family = spec["ip_protocol"].AsEnum({"ip4", "ip6", "any"}, "any");
  check->client.ip_family = family == "ip4"   ? http_client::IpFamily::kIp4
                            : family == "ip6" ? http_client::IpFamily::kIp6
                                              : http_client::IpFamily::kAny;
  ReadAuth(spec, check->headers);
  // A context holds the parsed CA bundle (hundreds of KB), so a plain-http probe without TLS keys
  // gets none; the client makes a default one should a redirect lead to https.
  const tls::TlsOptions tls_options = tls::ReadTlsOptions(spec);
  const bool tls_keys = !tls_options.ca_file.empty() || !tls_options.cert_file.empty() ||
                        !tls_options.key_file.empty() || !tls_options.server_name.empty() ||
                        tls_options.insecure_skip_verify || !tls_options.min_version.empty();
  if (tls_keys || (url && url->scheme() == "https")) BuildTls(spec, tls_options, *check);
  if (!url || ErrorCount(spec) > errors_before) return nullptr;
  return std::make_unique<HttpProbe>(std::move(check), std::move(*url));
}

TargetProbeBuilder BuildModule(const Node& block, const ProbeDeps&) {
  if (block.defined() && !block.is_map()) {
    block.Error("expected a mapping");
    return {};
  }
  const size_t errors_before = block.defined() ? ErrorCount(block) : 0;
  auto check = std::make_shared<HttpCheck>();
  check->valid_status = ReadStatusRanges(block["valid_status_codes"], false);
  check->valid_http_versions = block["valid_http_versions"].AsStringList();
  check->method = ReadMethod(block["method"]);
  check->headers = ReadHeaders(block["headers"]);
  check->body = block["body"].AsString();
  if (const Node limit = block["body_size_limit"]; limit.defined()) {
    const std::string text = limit.AsString();
    if (auto size = ParseSize(text)) {
      check->client.max_body_bytes = *size == 0 ? kModuleBodyCap : std::min(*size, kModuleBodyCap);
    } else {
      limit.Error("invalid size \"" + text + "\" (use bytes or a unit: 512KB, 10MB, 1GiB)");
    }
  } else {
    check->client.max_body_bytes = kModuleBodyCap;
  }
  if (const Node compression = block["compression"]; compression.defined()) {
    const std::string algo = compression.AsString();
    if (!algo.empty() && algo != "identity") {
      compression.Error("compression \"" + algo + "\" is not supported (only identity)");
    }
  }
  // follow_redirects (prometheus/common) and the older no_follow_redirects.
  bool follow = block["follow_redirects"].AsBool(true);
  if (block["no_follow_redirects"].AsBool(false)) follow = false;
  check->client.follow_redirects = follow;
  check->fail_if_ssl = block["fail_if_ssl"].AsBool(false);
  check->fail_if_not_ssl = block["fail_if_not_ssl"].AsBool(false);
  check->body_must_not_match = ReadPatterns(block["fail_if_body_matches_regexp"]);
  check->body_must_match = ReadPatterns(block["fail_if_body_not_matches_regexp"]);
  check->header_must_not_match = ReadHeaderMatches(block["fail_if_header_matches"]);
  check->header_must_match = ReadHeaderMatches(block["fail_if_header_not_matches"]);
  const std::string family = block["preferred_ip_protocol"].AsEnum({"ip4", "ip6"}, "ip6");
  check->client.ip_family = family == "ip4" ? http_client::IpFamily::kIp4 : http_client::IpFamily::kIp6;
  check->client.ip_fallback = block["ip_protocol_fallback"].AsBool(true);
  (void)block["enable_http2"].AsBool(true);  // accepted for blackbox configs; runbookd speaks HTTP/1.1 only
  ReadAuth(block, check->headers);
  // One context per module, shared by every target probed with it.
  const Node tls_config = block["tls_config"];
  BuildTls(tls_config, tls::ReadTlsOptions(tls_config), *check);
  if (block.defined() && ErrorCount(block) > errors_before) return {};

  std::shared_ptr<const HttpCheck> shared = std::move(check);
  return [shared](const std::string& target, std::string& error) -> std::unique_ptr<Probe> {
    // Like blackbox: a target without a scheme is an http:// URL.
    std::string text = target;
    if (text.rfind("http://", 0) != 0 && text.rfind("https://", 0) != 0) text = "http://" + text;
    auto url = ParseHttpUrl(text, error);
    if (!url) return nullptr;
    return std::make_unique<HttpProbe>(shared, std::move(*url));
  };
}

}  // namespace

ProbeFactory MakeProbeFactory() { return BuildFromSpec; }

ModuleFactory MakeModuleFactory() { return BuildModule; }

}  // namespace runbookd::probes::http
