#pragma once

#include <optional>
#include <string>

#include "daemon/clients/k8s/connection.hpp"

namespace runbookd::k8s {

// Which runbookd config key a kubeconfig problem belongs to: the file itself, or the `context`
// the connection chose (an unknown context, or one naming a cluster or user that is missing).
enum class KubeconfigErrorAt { kKubeconfig, kContext };

struct KubeconfigResult {
  // Server, TLS, credentials and namespace; the caller fills in name, qps and burst.
  std::optional<ConnectionSettings> settings;
  KubeconfigErrorAt error_at = KubeconfigErrorAt::kKubeconfig;
  std::string error;  // one line naming the kubeconfig file; never key material
};

// Reads the kubeconfig at `path` (yaml-cpp directly; unknown keys are ignored, like kubectl) and
// resolves `context` (empty: its current-context) to a cluster and a user. Relative file names in
// it (certificate-authority, client-certificate, client-key, tokenFile, an exec command containing
// a '/') are resolved against the kubeconfig's folder, as client-go does. Reads the files it names
// and checks that the TLS material loads, so that every problem is found at startup. An exec
// plugin `aws eks get-token` becomes a native EKS token (ConnectionSettings::eks_token) whose
// region is resolved now from `env` (null: this process's environment).
KubeconfigResult LoadKubeconfig(const std::string& path, const std::string& context,
                                const aws::Environment* env = nullptr);

}  // namespace runbookd::k8s
