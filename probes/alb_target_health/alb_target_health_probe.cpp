#include "probes/alb_target_health/alb_target_health_probe.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "daemon/clients/aws/aws_api.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/alb_target_health/alb_spec.hpp"
#include "probes/alb_target_health/target_health_assessment.hpp"
#include "probes/aws_common/aws_probe_errors.hpp"

namespace runbookd::probes::alb_target_health {

namespace {

namespace asio = boost::asio;
constexpr std::string_view kType = "alb_target_health";

using aws_common::ResultOfApiError;

class AlbTargetHealthProbe final : public Probe {
 public:
  AlbTargetHealthProbe(std::shared_ptr<const aws::Api> api, AlbTargetHealthSpec spec)
      : api_(std::move(api)), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    using namespace asio::experimental::awaitable_operators;
    aws::QueryReply targets;
    aws::QueryReply balancers;
    auto describe_targets = api_->Query(ctx.executor, aws::AwsService::kElbv2, "DescribeTargetHealth",
                                        {{"TargetGroupArn", spec_.target_group_arn}}, ctx.deadline);
    if (spec_.load_balancer_arn.empty()) {
      targets = co_await std::move(describe_targets);
    } else {
      // Both at once: the run's deadline bounds the pair, not each call.
      auto describe_balancer = api_->Query(ctx.executor, aws::AwsService::kElbv2, "DescribeLoadBalancers",
                                           {{"LoadBalancerArns.member.1", spec_.load_balancer_arn}}, ctx.deadline);
      auto both = std::move(describe_targets) && std::move(describe_balancer);
      std::tie(targets, balancers) = co_await std::move(both);
    }
    if (!targets.error.ok()) {
      result = ResultOfApiError(targets, "DescribeTargetHealth", "target group " + spec_.target_group_arn);
      co_return;
    }
    if (!balancers.error.ok()) {
      result = ResultOfApiError(balancers, "DescribeLoadBalancers", "load balancer " + spec_.load_balancer_arn);
      co_return;
    }
    if (!targets.result || (!spec_.load_balancer_arn.empty() && !balancers.result)) {
      result = ProbeResult::Unknown(ProbeReason::kApiError, "unexpected answer from ELBv2: no result element");
      co_return;
    }
    result = AssessTargetHealth(targets.result, balancers.result, spec_);
  }

  std::shared_ptr<const aws::Api> api_;
  AlbTargetHealthSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = deps.aws != nullptr;
    if (!connected) {
      spec.Error("probe type " + std::string(kType) + " needs a connection of type aws (set connection: NAME)");
    }
    if (!spec.defined() || !spec.is_map()) {
      spec.Error(spec.defined() ? "the alb_target_health probe's spec must be a mapping"
                                : "the alb_target_health probe needs a spec with at least \"target_group_arn\"");
      return nullptr;
    }
    const std::size_t errors_before = spec.diagnostics().items().size();
    AlbTargetHealthSpec parsed = ReadSpec(spec);
    if (!connected || spec.diagnostics().items().size() != errors_before) return nullptr;
    return std::make_unique<AlbTargetHealthProbe>(deps.aws, std::move(parsed));
  };
}

}  // namespace runbookd::probes::alb_target_health
