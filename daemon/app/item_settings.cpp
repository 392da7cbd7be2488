#include "daemon/app/item_settings.hpp"

#include <regex>

#include "config/suggest.hpp"
#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/clients/aws/aws_connection.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/connection.hpp"

namespace runbookd {

using config::Node;

namespace {

const std::vector<std::string> kConnectionTypes = {"kubernetes", "aws"};
const std::vector<std::string> kRisks = {"read_only", "reversible", "destructive"};

bool ValidName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]*");
  return std::regex_match(name, kName);
}

ActionRisk ParseRisk(const std::string& text, ActionRisk fallback) {
  if (text == "read_only") return ActionRisk::kReadOnly;
  if (text == "reversible") return ActionRisk::kReversible;
  if (text == "destructive") return ActionRisk::kDestructive;
  return fallback;
}

}  // namespace

std::set<std::string> ConnectionSet::KubernetesNames() const {
  std::set<std::string> names;
  for (const auto& [name, _] : kubernetes) names.insert(name);
  return names;
}

std::set<std::string> ConnectionSet::AwsNames() const {
  std::set<std::string> names;
  for (const auto& [name, _] : aws) names.insert(name);
  return names;
}

std::optional<ProbeDeps> ConnectionSet::With(const ProbeDeps& deps, const Node& node) const {
  ProbeDeps out = deps;
  if (!node.defined()) return out;
  out.connection = node.AsString();
  if (auto it = kubernetes.find(out.connection); it != kubernetes.end()) {
    out.kubernetes = it->second;
    return out;
  }
  if (auto it = aws.find(out.connection); it != aws.end()) {
    out.aws = it->second;
    return out;
  }
  if (unusable.count(out.connection)) return std::nullopt;
  std::vector<std::string> known(unusable.begin(), unusable.end());
  for (const auto& [name, _] : kubernetes) known.push_back(name);
  for (const auto& [name, _] : aws) known.push_back(name);
  node.Error("unknown connection \"" + out.connection + "\"" + config::DidYouMean(out.connection, known));
  return std::nullopt;
}

ConnectionSet ReadConnections(const Node& node, const ProbeDeps& deps, const ConnectionOptions& options) {
  ConnectionSet out;
  if (!node.defined()) return out;
  if (!node.is_map()) {
    node.Error("expected a mapping from connection name to its settings");
    return out;
  }
  const aws::Environment env = options.env ? *options.env : aws::ProcessEnvironment();
  for (const auto& [name, item] : node.Entries()) {
    if (!ValidName(name)) {
      item.Error("invalid connection name \"" + name + "\" (letters, digits, '_', '.', '-')");
      continue;
    }
    const Node type = item.Required("type");
    const std::string kind = type.AsEnum(kConnectionTypes, "");
    if (kind == "kubernetes") {
      if (auto settings = k8s::ReadConnection(name, item, k8s::InClusterPaths{}, &env)) {
        out.kubernetes.emplace(name, k8s::Client::Create(*settings, *deps.clock, deps.logger));
        continue;
      }
    } else if (kind == "aws") {
      if (auto settings = aws::ReadAwsConnection(name, item, env)) {
        out.aws.emplace(name, aws::MakeApi(std::move(*settings), env, *deps.clock, deps.logger));
        continue;
      }
    }
    out.unusable.insert(name);
  }
  return out;
}

void ReadAction(const Node& item, const Registry& registry, const ProbeDeps& deps, const ConnectionSet& connections,
                std::vector<ActionSettings>& out) {
  ActionSettings a;
  const Node name = item.Required("name");
  a.name = name.AsString();
  if (name.defined() && !ValidName(a.name)) {
    name.Error("invalid name \"" + a.name + "\" (letters, digits, '_', '.', '-')");
  } else if (name.defined()) {
    for (const auto& other : out) {
      if (other.name == a.name) name.Error("duplicate action name \"" + a.name + "\"");
    }
  }
  const Node type = item.Required("type");
  a.type = type.AsString();
  a.labels = item["labels"].AsStringMap();
  const Node connection = item["connection"];
  a.connection = connection.AsString();
  const auto action_deps = connections.With(deps, connection);
  const Node risk = item["risk"];
  const std::string risk_text = risk.AsEnum(kRisks, "");
  const Node approval = item["approval"];
  const std::string approval_text = approval.AsEnum({"required", "none"}, "");
  a.dry_run = item["dry_run"].AsBool(false);
  const Node timeout = item["timeout"];
  a.timeout = timeout.AsDuration(a.timeout);
  if (timeout.defined() && (a.timeout <= std::chrono::milliseconds(0) || a.timeout > std::chrono::minutes(30))) {
    timeout.Error("must be more than 0 and at most 30m");
  }
  const Node spec = item["spec"];
  if (spec.defined() && !spec.is_map()) spec.Error("expected a mapping");
  if (!type.defined()) return;
  const ActionFactory* factory = registry.FindActionType(a.type);
  if (factory == nullptr) {
    type.Error("unknown action type \"" + a.type + "\"" + config::DidYouMean(a.type, registry.ActionTypes()));
    return;
  }
  if (!action_deps) return;  // the connection is unknown or broken: said already
  if (!spec.defined()) {
    item.Error("missing required key \"spec\"");
    return;
  }
  auto action = (*factory)(spec, *action_deps);
  if (!action) return;
  a.risk = ParseRisk(risk_text, action->risk());
  // Explicit is the only way out of approval for a destructive action (ARCHITECTURE.md §5).
  // A `risk:` override does not lift approval: only `approval: none` does.
  const bool destructive = a.risk == ActionRisk::kDestructive || action->risk() == ActionRisk::kDestructive;
  a.approval_required = approval_text.empty() ? destructive : approval_text == "required";
  a.action = std::move(action);
  out.push_back(std::move(a));
}

}  // namespace runbookd
