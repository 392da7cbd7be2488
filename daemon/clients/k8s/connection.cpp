#include "daemon/clients/k8s/connection.hpp"

#include <cstdlib>
#include <filesystem>

#include "daemon/clients/k8s/file_util.hpp"
#include "daemon/clients/k8s/kubeconfig.hpp"
#include "daemon/clients/k8s/tls_context.hpp"

namespace runbookd::k8s {

namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The kubeconfig path as written: `~/` is the home folder (as in a shell); a relative path is
// relative to the folder of the config file that names it, not to the daemon's working folder.
std::string ResolveKubeconfigPath(const std::string& written, const std::string& config_file) {
  if (written.rfind("~/", 0) == 0 && !Env("HOME").empty()) return Env("HOME") + written.substr(1);
  return ResolveAgainst(std::filesystem::path(config_file).parent_path().string(), written);
}

// client-go's net.JoinHostPort: an IPv6 literal goes in brackets.
std::string JoinHostPort(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

// client-go's InClusterConfig. Errors are recorded at the `in_cluster` key.
std::optional<ConnectionSettings> ReadInCluster(const config::Node& at, const InClusterPaths& paths) {
  const std::string host = Env("KUBERNETES_SERVICE_HOST");
  const std::string port = Env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    at.Error("KUBERNETES_SERVICE_HOST/PORT are not set (not running in a pod?)");
    return std::nullopt;
  }
  ConnectionSettings settings;
  settings.server = "https://" + JoinHostPort(host, port);
  std::string error;
  if (!ReadWholeFile(paths.token_file, &error)) {
    at.Error("cannot read the service account token " + Quoted(paths.token_file) + ": " + error);
    return std::nullopt;
  }
  settings.token_file = paths.token_file;
  auto ca = ReadWholeFile(paths.ca_file, &error);
  if (!ca) {
    at.Error("cannot read the service account CA " + Quoted(paths.ca_file) + ": " + error);
    return std::nullopt;
  }
  settings.ca_pem = std::move(*ca);
  const TlsContextOrError tls = BuildTlsContext(settings.ca_pem, "", config::Secret(), false);
  if (!tls.context) {
    at.Error(Quoted(paths.ca_file) + ": " + tls.error);
    return std::nullopt;
  }
  // As in client-go, a pod without the namespace file works in "default".
  if (auto ns = ReadWholeFile(paths.namespace_file, nullptr)) {
    std::string trimmed = TrimWhitespace(*ns);
    if (!trimmed.empty()) settings.default_namespace = std::move(trimmed);
  }
  return settings;
}

}  // namespace

std::optional<ConnectionSettings> ReadConnection(const std::string& name, const config::Node& node) {
  return ReadConnection(name, node, InClusterPaths{});
}

std::optional<ConnectionSettings> ReadConnection(const std::string& name, const config::Node& node,
                                                 const InClusterPaths& in_cluster_paths, const aws::Environment* env) {
  const size_t errors_before = node.diagnostics().items().size();
  const config::Node kubeconfig = node["kubeconfig"];
  const config::Node context = node["context"];
  const config::Node in_cluster = node["in_cluster"];
  const config::Node qps = node["qps"];
  const config::Node burst = node["burst"];

  const std::string kubeconfig_path = kubeconfig.AsString();
  const std::string context_name = context.AsString();
  const bool use_in_cluster = in_cluster.AsBool(false);
  const double qps_value = qps.AsDouble(5);
  const int64_t burst_value = burst.AsInt(10, 1, 1'000'000);
  if (qps.defined() && !(qps_value > 0)) qps.Error("must be greater than 0");
  if (node.diagnostics().items().size() != errors_before) return std::nullopt;

  if (kubeconfig_path.empty() == !use_in_cluster) {
    node.Error("set either kubeconfig or in_cluster: true");
    return std::nullopt;
  }

  std::optional<ConnectionSettings> settings;
  if (use_in_cluster) {
    if (context.defined()) {
      context.Error("context applies only with kubeconfig");
      return std::nullopt;
    }
    settings = ReadInCluster(in_cluster, in_cluster_paths);
  } else {
    const std::string path = ResolveKubeconfigPath(kubeconfig_path, node.file());
    KubeconfigResult loaded = LoadKubeconfig(path, context_name, env);
    if (!loaded.settings) {
      (loaded.error_at == KubeconfigErrorAt::kContext ? context : kubeconfig).Error(loaded.error);
      return std::nullopt;
    }
    settings = std::move(loaded.settings);
  }
  if (!settings) return std::nullopt;
  settings->name = name;
  settings->qps = qps_value;
  settings->burst = static_cast<int>(burst_value);
  return settings;
}

}  // namespace runbookd::k8s
