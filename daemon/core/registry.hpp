#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.hpp"
#include "config/node.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/probe.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

namespace k8s {
class Client;
}
namespace aws {
class Api;
}

class BlockingPool;

// Everything a probe or an action may be built with. `kubernetes` (`aws`) is the client of the
// item's `connection:` when that connection is of type kubernetes (aws), null otherwise; a type
// that needs one reports its absence as a config error.
struct ProbeDeps {
  const Clock* clock = nullptr;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<k8s::Client> kubernetes;
  std::string connection;  // the item's `connection:` name, for messages
  // The daemon's pool for libraries that only block (librdkafka). Null where nothing runs
  // (config checks, runbookctl); a type that needs it reports its absence when it runs.
  BlockingPool* blocking = nullptr;
  std::shared_ptr<const aws::Api> aws;  // last: positional initialisers stay valid
};
using ActionDeps = ProbeDeps;

// Builds a probe from its `spec:` block. Records config errors on the node and returns nullptr
// when the spec is unusable.
using ProbeFactory = std::function<std::unique_ptr<Probe>(const config::Node& spec, const ProbeDeps& deps)>;

// A parsed blackbox_exporter module: makes a probe for one `target` of a /probe request.
// Returns nullptr and sets `error` when the target itself is unusable for this prober.
using TargetProbeBuilder = std::function<std::unique_ptr<Probe>(const std::string& target, std::string& error)>;

// Parses the prober's block of a blackbox module (`http:`, `tcp:`, `dns:`); the node may be
// undefined when the module has no block. Records config errors on the node.
using ModuleFactory = std::function<TargetProbeBuilder(const config::Node& block, const ProbeDeps& deps)>;

// Builds an action from its `spec:` block, as ProbeFactory does for probes.
using ActionFactory = std::function<std::unique_ptr<Action>(const config::Node& spec, const ActionDeps& deps)>;

// The one explicit list of built-in types is filled in daemon/app/builtins.cpp. No static
// self-registration: a type is one folder, one line there and one CMake line.
class Registry {
 public:
  // Throws std::logic_error when the type name is taken.
  void AddProbeType(std::string type, ProbeFactory factory);
  void AddModuleProber(std::string prober, ModuleFactory factory);
  void AddActionType(std::string type, ActionFactory factory);

  const ProbeFactory* FindProbeType(std::string_view type) const;
  const ModuleFactory* FindModuleProber(std::string_view prober) const;
  const ActionFactory* FindActionType(std::string_view type) const;
  std::vector<std::string> ProbeTypes() const;
  std::vector<std::string> ModuleProbers() const;
  std::vector<std::string> ActionTypes() const;

 private:
  std::map<std::string, ProbeFactory, std::less<>> probe_types_;
  std::map<std::string, ModuleFactory, std::less<>> module_probers_;
  std::map<std::string, ActionFactory, std::less<>> action_types_;
};

}  // namespace runbookd
