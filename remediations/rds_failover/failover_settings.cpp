#include "remediations/rds_failover/failover_settings.hpp"

#include <utility>

namespace runbookd::remediations::rds_failover {

namespace {

constexpr std::string_view kParam = "target_db_instance_identifier";
constexpr std::string_view kIdentifierRule =
    "1 to 63 letters, digits and hyphens, starting with a letter, no \"--\" and no hyphen at the end";

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

std::string ReadIdentifier(const config::Node& spec, std::string_view key, bool required) {
  const config::Node node = required ? spec.Required(key) : spec[key];
  if (!node.defined()) return {};
  std::string id = node.AsString();
  if (!IsRdsIdentifier(id)) {
    node.Error("not a valid RDS identifier: " + Quote(id) + " (" + std::string(kIdentifierRule) + ")");
    return {};
  }
  return id;
}

}  // namespace

std::optional<FailoverSettings> ReadFailoverSettings(const config::Node& spec, const ActionDeps& deps) {
  const size_t errors_before = ErrorCount(spec);
  FailoverSettings settings;
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("action type " + std::string(kType) + " needs a spec with at least \"db_cluster_identifier\"");
  } else {
    settings.request.cluster = ReadIdentifier(spec, "db_cluster_identifier", true);
    settings.request.target = ReadIdentifier(spec, kParam, false);
    const config::Node wait = spec["wait_timeout"];
    settings.wait_timeout = wait.AsDuration(settings.wait_timeout);
    if (wait.defined() && settings.wait_timeout.count() <= 0) wait.Error("wait_timeout must be greater than 0");
  }
  // Checked even when the spec is unusable, so that --check-config reports both at once.
  if (!deps.aws) {
    spec.Error("action type " + std::string(kType) + " needs a connection of type aws (set connection: NAME)");
  }
  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return settings;
}

std::optional<std::string> ApplyParams(FailoverRequest& request, const ActionParams& params) {
  for (const auto& [key, value] : params) {
    if (key != kParam) {
      return "unknown param " + Quote(key) + " (" + std::string(kType) + " accepts: " + std::string(kParam) + ")";
    }
    if (!IsRdsIdentifier(value)) {
      return "param " + std::string(kParam) + ": not a valid RDS identifier: " + Quote(value) + " (" +
             std::string(kIdentifierRule) + ")";
    }
    request.target = value;
  }
  return std::nullopt;
}

std::string PlanTarget(const std::string& region, const std::string& cluster) {
  return region + "/rds/cluster/" + cluster;
}

}  // namespace runbookd::remediations::rds_failover
