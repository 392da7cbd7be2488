#include "tests/support/kubectl.hpp"

#include <unistd.h>

#include <filesystem>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

namespace {
constexpr const char* kDispatcher = "/usr/bin/kubectl";
}

KubectlResult RunKubectl(const std::string& kubeconfig, const std::vector<std::string>& args) {
  TempDir home;
  // coreutils timeout bounds a kubectl that waits forever (a watch, a prompt), so a broken test
  // fails instead of hanging the suite.
  std::vector<std::string> argv = {"timeout",
                                   "--kill-after=5",
                                   "120",
                                   kDispatcher,
                                   "--kubeconfig=" + kubeconfig,
                                   "--cache-dir=" + home.path() + "/cache",
                                   "--request-timeout=30s"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult run = RunCommand(argv, home.path(), {{"HOME", home.path()}, {"KUBECONFIG", kubeconfig}});
  return {run.exit_code, run.out, run.err};
}

std::string KubectlDirectory() {
  std::error_code ec;
  const auto real = std::filesystem::canonical(kDispatcher, ec);
  return ec ? std::string() : real.parent_path().string();
}

bool KubectlAvailable(const std::string& minor) {
  const std::string dir = KubectlDirectory();
  if (dir.empty()) return false;
  const std::string binary = dir + "/kubectl.1." + minor;
  return access(kDispatcher, X_OK) == 0 && access(binary.c_str(), X_OK) == 0;
}

}  // namespace runbookd::testing
