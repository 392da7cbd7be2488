#pragma once

// Shared by the fake_kube tests: a fake with the standard fixtures and a kubeconfig for it, and
// request-log helpers for assertions and failure messages.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/fake_kube.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/kubectl.hpp"
#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// "METHOD target [content-type] body" per line, for INFO and failure output.
inline std::string DescribeRequests(const std::vector<KubeRequestRecord>& requests) {
  std::string out;
  for (const auto& r : requests) {
    out += r.method + " " + r.target + " -> " + std::to_string(r.status);
    if (!r.content_type.empty()) out += " [" + r.content_type + "]";
    if (!r.body.empty()) out += " " + r.body;
    out += "  UA=" + r.user_agent;
    if (!r.authorization.empty()) out += "  Authorization=" + r.authorization;
    out += "\n";
  }
  return out;
}

// Whether the requests were sent by kubectl v1.<minor> (the dispatcher's own request aside).
inline bool SentByKubectl(const std::vector<KubeRequestRecord>& requests, const std::string& minor) {
  bool any = false;
  for (const auto& r : requests) {
    if (r.user_agent.starts_with("kubectl-dispatcher/")) continue;
    if (!r.user_agent.starts_with("kubectl/v1." + minor + ".")) return false;
    any = true;
  }
  return any;
}

// A fresh fake on the given minor, with a kubeconfig in its own directory.
struct KubectlSetup {
  explicit KubectlSetup(const std::string& minor, FakeKubeOptions options = {})
      : kube([&] {
          options.version_minor = minor;
          return options;
        }()),
        kubeconfig(kube.WriteKubeconfig(dir.path())) {
    REQUIRE(KubectlAvailable(minor));
  }

  KubectlResult Run(const std::vector<std::string>& args) {
    kube.ClearRequests();
    KubectlResult result = RunKubectl(kubeconfig, args);
    UNSCOPED_INFO("kubectl " << Join(args) << "\nexit " << result.exit_code << "\nstdout:\n"
                             << result.out << "\nstderr:\n"
                             << result.err << "\nrequests:\n"
                             << DescribeRequests(kube.Requests()));
    return result;
  }

  static std::string Join(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
    return out;
  }

  TempDir dir;
  FakeKube kube;
  std::string kubeconfig;
};

}  // namespace runbookd::testing
