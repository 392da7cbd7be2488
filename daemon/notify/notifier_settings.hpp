#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "config/secret.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/notify/notifier_factory.hpp"

namespace runbookd::notify {

// One configured notifier (`notifiers:` item: core keys name, type, labels, and a spec).
struct NotifierSettings {
  std::string name;  // the `notifier` label of runbookd_notifications_total
  std::string type;
  std::map<std::string, std::string> labels;
  std::shared_ptr<const Notifier> notifier;
  std::optional<config::Secret> slack_signing_secret;  // see BuiltNotifier
};

// Reads one `notifiers:` item and appends it to `out` when it is usable. `names` holds the names
// seen so far (usable or not), so a duplicate is reported even after a broken first item.
void ReadNotifier(const config::Node& item, const NotifierDeps& deps, std::set<std::string>& names,
                  std::vector<NotifierSettings>& out);

// Every item of a `notifiers:` list; errors are recorded on the nodes.
std::vector<NotifierSettings> ReadNotifiers(const config::Node& list, const NotifierDeps& deps);

}  // namespace runbookd::notify
