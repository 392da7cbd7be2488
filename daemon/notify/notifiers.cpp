#include "daemon/notify/notifiers.hpp"

#include <map>

#include "daemon/notify/pagerduty/pagerduty_notifier.hpp"
#include "daemon/notify/slack/slack_notifier.hpp"
#include "daemon/notify/webhook/webhook_notifier.hpp"

namespace runbookd::notify {

namespace {

const std::map<std::string, NotifierFactory, std::less<>>& Types() {
  static const std::map<std::string, NotifierFactory, std::less<>> types = {
      {"pagerduty", pagerduty::MakeNotifierFactory()},
      {"slack", slack::MakeNotifierFactory()},
      {"webhook", webhook::MakeNotifierFactory()},
  };
  return types;
}

}  // namespace

std::vector<std::string> NotifierTypes() {
  std::vector<std::string> out;
  for (const auto& [name, _] : Types()) out.push_back(name);
  return out;
}

const NotifierFactory* FindNotifierType(std::string_view type) {
  const auto it = Types().find(type);
  return it == Types().end() ? nullptr : &it->second;
}

std::optional<BuiltNotifier> MakeNotifier(std::string_view type, const config::Node& spec, const NotifierDeps& deps) {
  const NotifierFactory* factory = FindNotifierType(type);
  if (factory == nullptr) return std::nullopt;
  return (*factory)(spec, deps);
}

}  // namespace runbookd::notify
