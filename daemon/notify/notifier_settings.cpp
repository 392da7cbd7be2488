#include "daemon/notify/notifier_settings.hpp"

#include <regex>

#include "config/suggest.hpp"
#include "daemon/notify/notifiers.hpp"

namespace runbookd::notify {

namespace {

// The same rule as probe and action names: the name is a metric label and a log word.
bool ValidName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]*");
  return std::regex_match(name, kName);
}

}  // namespace

void ReadNotifier(const config::Node& item, const NotifierDeps& deps, std::set<std::string>& names,
                  std::vector<NotifierSettings>& out) {
  const size_t errors_before = item.diagnostics().items().size();
  NotifierSettings n;
  const config::Node name = item.Required("name");
  n.name = name.AsString();
  if (name.defined() && !ValidName(n.name)) {
    name.Error("invalid name \"" + n.name + "\" (letters, digits, '_', '.', '-')");
  } else if (name.defined() && !names.insert(n.name).second) {
    name.Error("duplicate notifier name \"" + n.name + "\"");
  }
  const config::Node type = item.Required("type");
  n.type = type.AsString();
  n.labels = item["labels"].AsStringMap();
  const config::Node spec = item["spec"];
  if (!type.defined()) return;
  if (FindNotifierType(n.type) == nullptr) {
    type.Error("unknown notifier type \"" + n.type + "\"" + config::DidYouMean(n.type, NotifierTypes()));
    return;
  }
  if (!spec.defined()) {
    item.Error("missing required key \"spec\"");
    return;
  }
  std::optional<BuiltNotifier> built = MakeNotifier(n.type, spec, deps);
  if (!built || item.diagnostics().items().size() != errors_before) return;
  n.notifier = std::move(built->notifier);
  n.slack_signing_secret = std::move(built->slack_signing_secret);
  out.push_back(std::move(n));
}

std::vector<NotifierSettings> ReadNotifiers(const config::Node& list, const NotifierDeps& deps) {
  std::vector<NotifierSettings> out;
  std::set<std::string> names;
  for (const config::Node& item : list.Items()) ReadNotifier(item, deps, names, out);
  return out;
}

}  // namespace runbookd::notify
