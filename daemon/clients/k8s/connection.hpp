#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/node.hpp"
#include "config/secret.hpp"
#include "daemon/clients/aws/credentials.hpp"

namespace runbookd::k8s {

// An exec credential plugin (kubeconfig `users[].user.exec`).
struct ExecPluginSettings {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // resolved like kubectl: relative paths against the kubeconfig's folder
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // Never | IfAvailable | Always; runbookd is never interactive
};

// An exec plugin `aws eks get-token` whose token runbookd makes itself (see eks_exec.hpp).
struct NativeEksToken {
  std::string cluster;   // --cluster-name or --cluster-id
  std::string region;    // resolved when the kubeconfig was read
  std::string profile;   // --profile; empty: AWS_PROFILE of `env`
  aws::Environment env;  // the daemon's environment with the exec section's env on top (may hold keys)
};

// Everything needed to reach and authenticate to one API server, resolved from the connection's
// keys: `kubeconfig` (+ `context`) or `in_cluster: true`.
struct ConnectionSettings {
  std::string name;    // the connection's name in the config
  std::string server;  // https://host:port (http:// is accepted for tests on loopback)
  std::string default_namespace = "default";

  // TLS to the server.
  std::string ca_pem;  // certificate-authority-data or the file's contents; empty = system CAs
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;

  // Credentials; at most one source is used, in this order: client certificate (may be combined
  // with a bearer token), token, token_file, exec plugin.
  std::string client_cert_pem;
  config::Secret client_key_pem;
  config::Secret token;
  std::string token_file;  // re-read every minute and after a 401 (in-cluster service account)
  std::optional<ExecPluginSettings> exec;
  std::optional<NativeEksToken> eks_token;  // with `exec`: made natively instead of running it
  std::string username;                     // basic auth (old clusters)
  config::Secret password;

  double qps = 5;  // kubectl's defaults
  int burst = 10;
  std::chrono::milliseconds token_file_refresh{std::chrono::minutes(1)};
};

// Reads a `connections.<name>` entry of type kubernetes: `kubeconfig` (path, relative to the
// config file), `context`, `in_cluster`, `qps`, `burst`. Loads and validates the kubeconfig (or
// the in-cluster environment) now, so that `--check-config` reports a missing file, an unknown
// context or a user without credentials at the connection's key. Errors are recorded on the node;
// nullopt when the connection is unusable.
std::optional<ConnectionSettings> ReadConnection(const std::string& name, const config::Node& node);

// The in-cluster service-account paths (client-go's InClusterConfig); tests point them elsewhere.
struct InClusterPaths {
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// ReadConnection with the in-cluster files somewhere else (tests). The service host and port still
// come from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT. `env` is what a native EKS token
// reads (region, credentials); null: this process's environment.
std::optional<ConnectionSettings> ReadConnection(const std::string& name, const config::Node& node,
                                                 const InClusterPaths& in_cluster_paths,
                                                 const aws::Environment* env = nullptr);

}  // namespace runbookd::k8s
