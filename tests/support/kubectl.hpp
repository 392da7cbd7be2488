#pragma once

// Runs the image's real kubectl (the dispatcher at /usr/bin/kubectl, which picks kubectl.1.NN
// by the server's /version) in isolation: its own HOME and --cache-dir in a fresh temporary
// directory, so that every run performs discovery again and request logs are repeatable.

#include <string>
#include <vector>

namespace runbookd::testing {

struct KubectlResult {
  int exit_code = -1;  // 124 when the run was cut off by the overall time limit
  std::string out;
  std::string err;
};

// `kubectl --kubeconfig=KUBECONFIG --cache-dir=... --request-timeout=30s ARGS...`, bounded to two
// minutes overall.
KubectlResult RunKubectl(const std::string& kubeconfig, const std::vector<std::string>& args);

// The directory holding the real kubectl.1.NN binaries (beside the dispatcher's real path).
std::string KubectlDirectory();
// Whether the dispatcher and kubectl.1.<minor> are installed.
bool KubectlAvailable(const std::string& minor);

}  // namespace runbookd::testing
