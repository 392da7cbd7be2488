#include "remediations/k8s_scale/k8s_scale_action.hpp"

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/factory.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/steps.hpp"
#include "remediations/k8s_scale/scale_plan.hpp"

namespace runbookd::remediations::k8s_scale {

namespace asio = boost::asio;
using namespace k8s_common;

namespace {

class ScaleAction final : public Action {
 public:
  ScaleAction(std::shared_ptr<k8s::Client> client, DeploymentRef deployment, ScaleRule rule)
      : client_(std::move(client)), deployment_(std::move(deployment)), rule_(rule) {}

  ActionRisk risk() const override { return ActionRisk::kReversible; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    // ApplyParams checks every param, unknown keys too (with StartPlan's message), so NewPlan here.
    ActionPlan plan = NewPlan(kType, deployment_.Target());
    RuleOrError rule = ApplyParams(rule_, params);
    if (!rule.error.empty()) {
      Conclude(plan, OutcomeReason::kInvalidParams, std::move(rule.error));
      co_return plan;
    }
    std::optional<k8s::Reply> deployment = co_await FetchForPlan(*client_, ctx, deployment_, plan);
    if (!deployment) co_return plan;
    co_return PlanScale(deployment_, rule.rule, deployment->body);
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    std::string path = k8s::DeploymentScalePath(deployment_.ns, deployment_.name);
    if (auto failed = co_await ApplyPlannedPatch(*client_, ctx, plan, std::move(path), k8s::PatchType::kMerge)) {
      co_return std::move(*failed);
    }
    const int64_t from = DetailInt(plan.details, "from").value_or(0);
    const int64_t to = DetailInt(plan.details, "to").value_or(0);
    boost::json::object data{{"from", from}, {"to", to}};
    co_return Outcome::Ok("deployment.apps/" + deployment_.name + " scaled from " + std::to_string(from) + " to " +
                              std::to_string(to) + " replicas",
                          std::move(data));
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  DeploymentRef deployment_;
  ScaleRule rule_;
};

std::optional<int64_t> ReadCount(const config::Node& node) {
  if (!node.defined()) return std::nullopt;
  return node.AsInt(0, 0, std::numeric_limits<int32_t>::max());
}

struct ScaleSettings {
  DeploymentRef deployment;
  ScaleRule rule;
};

ScaleSettings ReadSettings(const config::Node& spec) {
  const size_t errors_before = ErrorCount(spec);
  ScaleSettings settings;
  settings.deployment = ReadDeploymentRef(spec);
  ScaleRule& rule = settings.rule;
  rule.replicas = ReadCount(spec["replicas"]);
  if (const config::Node factor = spec["factor"]; factor.defined()) {
    rule.factor = factor.AsDouble(1);
    if (!(*rule.factor > 0)) factor.Error("factor must be a number greater than 0");
  }
  rule.min = ReadCount(spec["min"]);
  rule.max = ReadCount(spec["max"]);
  rule.allow_zero = spec["allow_zero"].AsBool(false);
  // The keys together only once each is valid on its own: one mistake, one message.
  if (ErrorCount(spec) == errors_before) {
    if (auto error = RuleError(rule)) spec.Error(*error);
  }
  return settings;
}

}  // namespace

ActionFactory MakeActionFactory() {
  return MakeFactory(kType, "\"deployment\" and \"replicas\" or \"factor\"", ReadSettings,
                     [](ScaleSettings settings, const ActionDeps& deps) {
                       settings.deployment.ns = ResolveNamespace(settings.deployment.ns, deps);
                       return std::make_unique<ScaleAction>(deps.kubernetes, std::move(settings.deployment),
                                                            settings.rule);
                     });
}

}  // namespace runbookd::remediations::k8s_scale
