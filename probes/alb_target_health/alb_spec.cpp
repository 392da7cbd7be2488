#include "probes/alb_target_health/alb_spec.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace runbookd::probes::alb_target_health {

namespace {

// arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:<kind>/...: a name or a bare ID pasted by
// mistake is caught here rather than as a not_found at every run.
std::string ReadArn(const config::Node& node, std::string_view kind) {
  if (!node.defined()) return {};
  std::string arn = node.AsString();
  if (!node.is_scalar()) return {};
  const std::size_t resource = arn.find(":" + std::string(kind) + "/");
  const bool valid = arn.rfind("arn:", 0) == 0 && arn.find(":elasticloadbalancing:") != std::string::npos &&
                     resource != std::string::npos && resource + kind.size() + 2 < arn.size();
  if (!valid) {
    node.Error("\"" + arn + "\" is not an ELBv2 " + std::string(kind) +
               " ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:" + std::string(kind) + "/...)");
    return {};
  }
  return arn;
}

// An integer count ("2"), or a percentage ("50%").
void ReadMinHealthy(const config::Node& node, AlbTargetHealthSpec& out) {
  if (!node.defined()) return;
  const std::string text = node.AsString();
  if (!node.is_scalar()) return;
  if (text.empty() || text.back() != '%') {
    out.min_healthy = node.AsInt(1, 1);
    return;
  }
  const std::string_view digits(text.data(), text.size() - 1);
  const bool numeric = !digits.empty() && digits.size() <= 3 &&
                       std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c) != 0; });
  const int64_t percent = numeric ? std::stoll(std::string(digits)) : 0;
  if (percent < 1 || percent > 100) {
    node.Error("expected a count of targets (at least 1) or a percentage from 1% to 100%, got \"" + text + "\"");
    return;
  }
  out.min_healthy_percent = percent;
}

}  // namespace

AlbTargetHealthSpec ReadSpec(const config::Node& spec) {
  AlbTargetHealthSpec out;
  out.target_group_arn = ReadArn(spec.Required("target_group_arn"), "targetgroup");
  out.load_balancer_arn = ReadArn(spec["load_balancer_arn"], "loadbalancer");
  ReadMinHealthy(spec["min_healthy"], out);
  return out;
}

int64_t RequiredHealthy(const AlbTargetHealthSpec& spec, int64_t counted) {
  if (!spec.min_healthy_percent) return spec.min_healthy;
  const int64_t share = (counted * *spec.min_healthy_percent + 99) / 100;
  return std::max<int64_t>(1, share);
}

}  // namespace runbookd::probes::alb_target_health
