#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.hpp"
#include "daemon/notify/notifier_factory.hpp"

// The one explicit list of notifier types (`notifiers[].type`): slack, pagerduty, webhook. A new
// type is one folder under daemon/notify/ and one line in notifiers.cpp.
namespace runbookd::notify {

// The type names, sorted.
std::vector<std::string> NotifierTypes();

// The factory of `type`, or null when there is no such type.
const NotifierFactory* FindNotifierType(std::string_view type);

// Builds a notifier of `type` from its spec. nullopt when the type is unknown (the caller reports
// that, at the type's node) or the spec has errors (recorded on the spec's nodes).
std::optional<BuiltNotifier> MakeNotifier(std::string_view type, const config::Node& spec, const NotifierDeps& deps);

}  // namespace runbookd::notify
