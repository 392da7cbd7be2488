#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

#include "config/node.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/registry.hpp"
#include "remediations/k8s_common/names.hpp"

// How every Kubernetes action type is built from its spec, so that they report config errors alike.
namespace runbookd::remediations::k8s_common {

// The clock an action reads: the injected one, else the system's.
inline const Clock* ClockOf(const ActionDeps& deps) {
  static const SystemClock kSystemClock;
  return deps.clock ? deps.clock : &kSystemClock;
}

// The factory of a k8s_* action type. The spec must be a mapping (`required_keys` names what it
// needs at least, for the message); `read(spec)` returns the action's settings and records any
// error on the spec; the item needs a kubernetes connection. With no error recorded,
// `make(settings, deps)` builds the action. The connection is checked even when the spec is not a
// mapping, so that --check-config reports both at once.
template <typename Read, typename Make>
ActionFactory MakeFactory(std::string_view type, std::string_view required_keys, Read read, Make make) {
  return
      [type, required_keys, read, make](const config::Node& spec, const ActionDeps& deps) -> std::unique_ptr<Action> {
        if (!CheckSpecIsMapping(spec, type, required_keys)) {
          CheckKubernetesConnection(spec, deps, type);
          return nullptr;
        }
        const size_t errors_before = ErrorCount(spec);
        auto settings = read(spec);
        CheckKubernetesConnection(spec, deps, type);
        if (ErrorCount(spec) != errors_before) return nullptr;
        return make(std::move(settings), deps);
      };
}

}  // namespace runbookd::remediations::k8s_common
