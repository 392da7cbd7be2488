#include "probes/kafka/kafka_config.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>
#include <utility>

namespace runbookd::probes::kafka {

namespace {

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// host:port with a numeric port; an IPv6 literal is written [addr]:port.
bool IsHostPort(const std::string& server) {
  const auto colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == server.size()) return false;
  const std::string port = server.substr(colon + 1);
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (const int number = std::stoi(port); number < 1 || number > 65535) return false;
  const std::string host = server.substr(0, colon);
  return host.find(':') == std::string::npos || (host.front() == '[' && host.back() == ']');
}

// A list of host:port, or one string of them separated by commas (as bootstrap.servers is).
std::string ReadBootstrap(const config::Node& node) {
  if (!node.defined()) return {};
  const size_t errors_before = ErrorCount(node);
  std::string joined;
  for (const std::string& item : node.AsStringList()) {
    std::string_view rest = item;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string server = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (server.empty()) continue;
      if (!IsHostPort(server)) {
        node.Error("\"" + server + "\" is not host:port");
        continue;
      }
      joined += (joined.empty() ? "" : ",") + server;
    }
  }
  if (joined.empty() && ErrorCount(node) == errors_before) node.Error("bootstrap needs at least one host:port");
  return joined;
}

std::vector<std::string> ReadTopics(const config::Node& node) {
  const size_t errors_before = ErrorCount(node);
  std::vector<std::string> topics;
  for (std::string& topic : node.AsStringList()) {
    if (topic.empty()) {
      node.Error("a topic name cannot be empty");
    } else if (std::find(topics.begin(), topics.end(), topic) == topics.end()) {
      topics.push_back(std::move(topic));
    }
  }
  if (node.defined() && topics.empty() && ErrorCount(node) == errors_before) {
    node.Error("topics needs at least one name (leave it out to check every topic)");
  }
  return topics;
}

// A file the probe hands to librdkafka, relative to the config file like every other path, and
// readable now (librdkafka would only say so on each run).
std::string ReadPath(const config::Node& node) {
  std::filesystem::path path = node.AsString();
  if (path.empty()) return {};
  if (path.is_relative()) path = std::filesystem::path(node.file()).parent_path() / path;
  if (std::ifstream in(path); !in) node.Error("cannot read \"" + path.string() + "\": " + std::strerror(errno));
  return path.string();
}

// librdkafka's message for a rejected value may quote it; values from the config are never
// echoed, in case one is sensitive.
std::string Redacted(std::string text, const std::string& value) {
  if (value.empty()) return text;
  for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at + 3)) {
    text.replace(at, value.size(), "...");
  }
  return text;
}

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ScratchConf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// Sets the property on the scratch configuration (so librdkafka checks name and value now) and
// keeps it; errors are recorded at `node`.
void Add(rd_kafka_conf_t* scratch, const config::Node& node, ClientProperty property,
         std::vector<ClientProperty>& out) {
  char error[512] = "";
  if (rd_kafka_conf_set(scratch, property.name.c_str(), property.value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    node.Error("librdkafka refused " + property.name + ": " + Redacted(error, property.value));
    return;
  }
  out.push_back(std::move(property));
}

// Properties the probe sets from its own keys, or needs for its own workings.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kOwnedProperties{{
    {"bootstrap.servers", "bootstrap"},
    {"metadata.broker.list", "bootstrap"},
    {"security.protocol", "security_protocol"},
    {"sasl.mechanisms", "sasl_mechanism"},
    {"sasl.mechanism", "sasl_mechanism"},
    {"sasl.username", "sasl_username"},
    {"sasl.password", "sasl_password_file or sasl_password_env"},
    {"ssl.ca.location", "ssl_ca_file"},
    {"ssl.certificate.location", "ssl_certificate_file"},
    {"ssl.key.location", "ssl_key_file"},
    {"ssl.key.password", "ssl_key_password_file or ssl_key_password_env"},
    {"statistics.interval.ms", ""},
    {"enable.sparse.connections", ""},
    {"allow.auto.create.topics", ""},
}};

// Properties that load code or run commands: never from a probe's config.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kForbiddenProperties{{
    {"plugin.library.paths", "it loads shared libraries"},
    {"sasl.kerberos.kinit.cmd", "it runs a shell command"},
    {"ssl.engine.location", "it loads an OpenSSL engine"},
    {"test.mock.num.brokers", "it replaces the cluster with a mock"},
    {"test.mock.broker.rtt", "it is for librdkafka's own tests"},
}};

// Secrets belong in *_file / *_env keys, not in the config file.
bool HoldsSecret(std::string_view name) {
  return name.find("password") != std::string_view::npos || name.find("secret") != std::string_view::npos ||
         name == "ssl.key.pem" || name == "sasl.oauthbearer.config";
}

void ReadPassThrough(const config::Node& node, rd_kafka_conf_t* scratch, std::vector<ClientProperty>& out) {
  for (const auto& [name, value] : node.Entries()) {
    const auto owned = std::find_if(kOwnedProperties.begin(), kOwnedProperties.end(),
                                    [&name](const auto& p) { return p.first == name; });
    if (owned != kOwnedProperties.end()) {
      value.Error(owned->second.empty() ? "\"" + name + "\" is set by the probe itself"
                                        : "set \"" + name + "\" with the probe's key " + std::string(owned->second));
      continue;
    }
    const auto forbidden = std::find_if(kForbiddenProperties.begin(), kForbiddenProperties.end(),
                                        [&name](const auto& p) { return p.first == name; });
    if (forbidden != kForbiddenProperties.end()) {
      value.Error("\"" + name + "\" is not allowed: " + std::string(forbidden->second));
      continue;
    }
    if (HoldsSecret(name)) {
      value.Error("\"" + name + "\" holds a secret, which a config file must not: not supported");
      continue;
    }
    if (!value.defined()) {
      value.Error("\"" + name + "\" needs a value");
      continue;
    }
    Add(scratch, value, {name, value.AsString(), false}, out);
  }
}

void ReadSasl(const config::Node& spec, bool sasl, rd_kafka_conf_t* scratch, std::vector<ClientProperty>& out) {
  if (!sasl) {
    for (const char* key : {"sasl_mechanism", "sasl_username", "sasl_password_file", "sasl_password_env"}) {
      if (spec[key].defined())
        spec[key].Error(std::string(key) + " needs security_protocol sasl_plaintext or sasl_ssl");
    }
    return;
  }
  const config::Node mechanism_node = spec.Required("sasl_mechanism");
  const std::string mechanism =
      mechanism_node.AsEnum({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER"}, "");
  if (mechanism.empty()) return;
  Add(scratch, mechanism_node, {"sasl.mechanism", mechanism, false}, out);
  const bool with_password = mechanism == "PLAIN" || mechanism.starts_with("SCRAM-");
  if (!with_password) {
    for (const char* key : {"sasl_username", "sasl_password_file", "sasl_password_env"}) {
      if (spec[key].defined()) spec[key].Error(std::string(key) + " is only used with PLAIN and SCRAM mechanisms");
    }
    return;
  }
  const config::Node username = spec.Required("sasl_username");
  if (username.defined()) Add(scratch, username, {"sasl.username", username.AsString(), false}, out);
  if (auto password = spec.ReadSecret("sasl_password")) {
    Add(scratch, spec, {"sasl.password", password->Reveal(), true}, out);
  } else if (!spec["sasl_password_file"].defined() && !spec["sasl_password_env"].defined()) {
    spec.Error("sasl_mechanism " + mechanism + " needs sasl_password_file or sasl_password_env");
  }
}

void ReadTls(const config::Node& spec, bool tls, rd_kafka_conf_t* scratch, std::vector<ClientProperty>& out) {
  constexpr std::array<std::pair<const char*, const char*>, 3> kFiles{{
      {"ssl_ca_file", "ssl.ca.location"},
      {"ssl_certificate_file", "ssl.certificate.location"},
      {"ssl_key_file", "ssl.key.location"},
  }};
  if (!tls) {
    for (const char* key :
         {"ssl_ca_file", "ssl_certificate_file", "ssl_key_file", "ssl_key_password_file", "ssl_key_password_env"}) {
      if (spec[key].defined()) spec[key].Error(std::string(key) + " needs security_protocol ssl or sasl_ssl");
    }
    return;
  }
  for (const auto& [key, property] : kFiles) {
    const config::Node node = spec[key];
    if (!node.defined()) continue;
    if (std::string path = ReadPath(node); !path.empty()) Add(scratch, node, {property, std::move(path), false}, out);
  }
  if (spec["ssl_certificate_file"].defined() != spec["ssl_key_file"].defined()) {
    spec.Error("ssl_certificate_file and ssl_key_file go together");
  }
  if (auto password = spec.ReadSecret("ssl_key_password")) {
    if (!spec["ssl_key_file"].defined()) spec.Error("ssl_key_password_file/_env needs ssl_key_file");
    Add(scratch, spec, {"ssl.key.password", password->Reveal(), true}, out);
  }
}

}  // namespace

std::optional<KafkaCheck> ReadKafkaProbeSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the kafka probe needs a spec with at least \"bootstrap\"");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(spec);
  const ScratchConf scratch(rd_kafka_conf_new());
  KafkaCheck check;
  check.bootstrap = ReadBootstrap(spec.Required("bootstrap"));
  check.assessment.min_brokers = spec["min_brokers"].AsInt(1, 1);
  check.assessment.topics = ReadTopics(spec["topics"]);
  check.assessment.max_under_replicated = spec["max_under_replicated"].AsInt(0, 0);

  const config::Node protocol_node = spec["security_protocol"];
  const std::string protocol = protocol_node.AsEnum({"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}, "plaintext");
  Add(scratch.get(), protocol_node, {"security.protocol", protocol, false}, check.properties);
  ReadSasl(spec, protocol.starts_with("sasl_"), scratch.get(), check.properties);
  ReadTls(spec, protocol == "ssl" || protocol == "sasl_ssl", scratch.get(), check.properties);
  ReadPassThrough(spec["librdkafka"], scratch.get(), check.properties);

  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return check;
}

}  // namespace runbookd::probes::kafka
