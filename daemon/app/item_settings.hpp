#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/registry.hpp"

namespace runbookd {

namespace k8s {
class Client;
}
namespace aws {
class Api;
}

// The named `connections:` of a config, built: one client per connection, shared by every probe
// and action that names it.
struct ConnectionSet {
  std::map<std::string, std::shared_ptr<k8s::Client>> kubernetes;
  std::map<std::string, std::shared_ptr<const aws::Api>> aws;
  std::set<std::string> unusable;  // declared, but with errors (already reported)

  std::set<std::string> KubernetesNames() const;
  std::set<std::string> AwsNames() const;
  // `deps` with the client of the item's `connection:` (`node`) filled in. nullopt when the
  // connection is unknown (an error at `node`) or unusable (its own errors said why), so the
  // item is not built and reports nothing more.
  std::optional<ProbeDeps> With(const ProbeDeps& deps, const config::Node& node) const;
};

struct ConnectionOptions {
  // What AWS regions, credential chains and native EKS tokens read. nullopt: this process's
  // environment (the daemon); tests pass their own, as setenv is not thread-safe.
  std::optional<aws::Environment> env;
};

// Reads `connections:` (a map from name to `{type: kubernetes|aws, ...}`) and builds the clients.
// Nothing is fetched: AWS credentials and Kubernetes tokens are resolved on first use, so a config
// check needs no network.
ConnectionSet ReadConnections(const config::Node& node, const ProbeDeps& deps, const ConnectionOptions& options = {});

// One configured remediation.
struct ActionSettings {
  std::string name;
  std::string type;
  std::string connection;
  std::map<std::string, std::string> labels;
  ActionRisk risk = ActionRisk::kDestructive;  // the type's default unless `risk:` overrides it
  // `approval: required | none`; when not set, destructive actions require approval.
  bool approval_required = true;
  bool dry_run = false;                                        // record what would be done instead of doing it
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // Plan and Execute together
  std::shared_ptr<const Action> action;
};

// Reads one `actions:` item; appends it to `out` when it is usable.
void ReadAction(const config::Node& item, const Registry& registry, const ProbeDeps& deps,
                const ConnectionSet& connections, std::vector<ActionSettings>& out);

}  // namespace runbookd
