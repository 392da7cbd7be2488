#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "config/node.hpp"
#include "config/secret.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/notifier.hpp"

namespace runbookd::notify {

// What a notifier may be built with. No executor: a notifier gets one per attempt (NotifyContext).
struct NotifierDeps {
  const Clock* clock = nullptr;  // wall time of webhook signatures; the system clock when null
};

struct BuiltNotifier {
  std::shared_ptr<const Notifier> notifier;
  // Slack with `app:`: the secret that verifies Slack's interactive requests (the daemon's
  // interaction route needs it); unset otherwise.
  std::optional<config::Secret> slack_signing_secret;
};

// Builds a notifier from its `spec:` block. Records config errors on the node and returns nullopt
// when the spec is unusable. Secret files are read here, once.
using NotifierFactory = std::function<std::optional<BuiltNotifier>(const config::Node& spec, const NotifierDeps& deps)>;

}  // namespace runbookd::notify
