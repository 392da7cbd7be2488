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

namespace runbookd::probes::alb_target_health {

namespace {

namespace asio = boost::asio;
constexpr std::string_view kType = "alb_target_health";
constexpr std::size_t kMaxMessage = 300;

// The client always writes a message; the fallback covers an error made by hand.
std::string KindText(aws::ApiErrorKind kind) {
  switch (kind) {
    case aws::ApiErrorKind::kCredentials:
      return "no usable AWS credentials";
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return "no answer before the deadline";
    case aws::ApiErrorKind::kTransport:
      return "no answer from the endpoint";
    default:
      return "failed";
  }
}

// "DescribeTargetHealth: 400 TargetGroupNotFound: One or more target groups not found".
std::string Describe(const aws::QueryReply& reply, std::string_view action) {
  const aws::ApiError& error = reply.error;
  std::string out = std::string(action) + ": ";
  if (error.http_status != 0) out += std::to_string(error.http_status) + " ";
  if (!error.code.empty()) out += error.code + ": ";
  std::string message = error.message.empty() ? KindText(error.kind) : error.message;
  for (char& c : message) c = (c == '\n' || c == '\r') ? ' ' : c;
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage) + "...";
  out += message;
  if (reply.attempts > 1) out += " (after " + std::to_string(reply.attempts) + " attempts)";
  return out;
}

// The mapping of a failed call to the probe's result (table in the README). `object` names what
// the call asked for, for a not_found.
ProbeResult ResultOfApiError(const aws::QueryReply& reply, std::string_view action, std::string_view object) {
  std::string detail = Describe(reply, action);
  switch (reply.error.kind) {
    case aws::ApiErrorKind::kTimeout:
    case aws::ApiErrorKind::kCancelled:
      return ProbeResult::Unknown(ProbeReason::kTimeout, std::move(detail));
    case aws::ApiErrorKind::kTransport:
      return ProbeResult::Unknown(ProbeReason::kConnectionFailed, std::move(detail));
    case aws::ApiErrorKind::kCredentials:
    case aws::ApiErrorKind::kAuth:
      return ProbeResult::Unknown(ProbeReason::kUnauthorized, std::move(detail));
    case aws::ApiErrorKind::kNotFound:
      return ProbeResult::Unhealthy(ProbeReason::kNotFound, std::string(object) + " not found (" + detail + ")");
    default:
      return ProbeResult::Unknown(ProbeReason::kApiError, std::move(detail));
  }
}

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
