#include "probes/alb_target_health/target_health_assessment.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbookd::probes::alb_target_health {

namespace {

constexpr std::size_t kMaxTargetsListed = 8;
constexpr std::size_t kMaxDescription = 160;

// The states DescribeTargetHealth reports, in the order the detail lists them (most urgent first);
// "unhealthy.draining" (unhealthy, and drained because of it) counts as unhealthy.
enum class Kind { kUnhealthy, kUnavailable, kOther, kInitial, kUnused, kDraining, kHealthy };

Kind KindOf(std::string_view state) {
  if (state == "healthy") return Kind::kHealthy;
  if (state == "unhealthy" || state == "unhealthy.draining") return Kind::kUnhealthy;
  if (state == "initial") return Kind::kInitial;
  if (state == "draining") return Kind::kDraining;
  if (state == "unused") return Kind::kUnused;
  if (state == "unavailable") return Kind::kUnavailable;
  return Kind::kOther;
}

struct Target {
  std::string label;  // "i-0abc:80"
  std::string state;
  std::string reason;
  std::string description;
  Kind kind = Kind::kOther;
};

std::string Text(pugi::xml_node node) { return node.text().as_string(); }

// Descriptions are AWS's text; keep them on one line and short.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() <= kMaxDescription) return out;
  std::size_t cut = kMaxDescription;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  out.resize(cut);
  return out + "...";
}

ProbeResult Unusable(std::string what) {
  return ProbeResult::Unknown(ProbeReason::kApiError, "unexpected answer from ELBv2: " + std::move(what));
}

std::string Describe(const Target& target) {
  std::string out = target.label + " " + target.state;
  if (!target.reason.empty()) out += " " + target.reason;
  if (!target.description.empty()) out += ": " + OneLine(target.description);
  return out;
}

// The load balancer's part of the judgement.
struct LoadBalancerView {
  bool checked = false;
  bool active = false;
  std::string text;  // "load balancer shop-alb active" / "load balancer shop-alb is failed: ..."
};

// Fills `view` from the answer about `arn` (nothing to do without one); the result to give instead
// when the answer lacks what is needed.
std::optional<ProbeResult> ReadLoadBalancer(pugi::xml_node result, const std::string& arn, LoadBalancerView& view) {
  if (arn.empty()) return std::nullopt;
  view.checked = true;
  pugi::xml_node found;
  for (pugi::xml_node member : result.child("LoadBalancers").children("member")) {
    if (Text(member.child("LoadBalancerArn")) == arn) found = member;
  }
  if (!found) return Unusable("DescribeLoadBalancers did not list " + arn);
  const std::string code = Text(found.child("State").child("Code"));
  if (code.empty()) return Unusable("load balancer " + arn + " has no State.Code");
  std::string name = Text(found.child("LoadBalancerName"));
  view.text = "load balancer " + (name.empty() ? arn : name);
  view.active = code == "active";
  if (view.active) {
    view.text += " active";
  } else {
    view.text += " is " + code;
    if (const std::string reason = Text(found.child("State").child("Reason")); !reason.empty()) {
      view.text += ": " + OneLine(reason);
    }
  }
  return std::nullopt;
}

}  // namespace

ProbeResult AssessTargetHealth(pugi::xml_node target_health, pugi::xml_node load_balancers,
                               const AlbTargetHealthSpec& spec) {
  LoadBalancerView balancer;
  if (auto unusable = ReadLoadBalancer(load_balancers, spec.load_balancer_arn, balancer)) return *unusable;

  const pugi::xml_node descriptions = target_health.child("TargetHealthDescriptions");
  if (!descriptions) return Unusable("DescribeTargetHealth returned no TargetHealthDescriptions");
  std::vector<Target> targets;
  std::array<int64_t, 7> counts{};
  for (pugi::xml_node member : descriptions.children("member")) {
    Target target;
    target.label = Text(member.child("Target").child("Id"));
    target.state = Text(member.child("TargetHealth").child("State"));
    if (target.label.empty() || target.state.empty()) {
      return Unusable("a target health description without Target.Id or TargetHealth.State");
    }
    if (const std::string port = Text(member.child("Target").child("Port")); !port.empty()) target.label += ":" + port;
    target.reason = Text(member.child("TargetHealth").child("Reason"));
    target.description = Text(member.child("TargetHealth").child("Description"));
    target.kind = KindOf(target.state);
    ++counts[static_cast<std::size_t>(target.kind)];
    targets.push_back(std::move(target));
  }
  const auto count = [&counts](Kind kind) { return counts[static_cast<std::size_t>(kind)]; };
  const int64_t total = static_cast<int64_t>(targets.size());
  const int64_t healthy = count(Kind::kHealthy);
  const int64_t unhealthy = count(Kind::kUnhealthy);
  const int64_t required = RequiredHealthy(spec, total - count(Kind::kDraining));

  ProbeResult result;
  result.Observe("targets_total", static_cast<double>(total));
  result.Observe("targets_healthy", static_cast<double>(healthy));
  result.Observe("targets_unhealthy", static_cast<double>(unhealthy));
  result.Observe("targets_initial", static_cast<double>(count(Kind::kInitial)));
  result.Observe("targets_draining", static_cast<double>(count(Kind::kDraining)));
  result.Observe("targets_unused", static_cast<double>(count(Kind::kUnused)));
  result.Observe("targets_unavailable", static_cast<double>(count(Kind::kUnavailable)));
  if (balancer.checked) result.Observe("load_balancer_active", balancer.active ? 1 : 0);

  // "load balancer shop-alb active; 2/4 healthy (min 3); i-0abc:80 unhealthy Target.Timeout: ...".
  std::string detail = balancer.checked ? balancer.text + "; " : "";
  detail += std::to_string(healthy) + "/" + std::to_string(total) + " healthy";
  if (required != 1 || spec.min_healthy_percent) {
    detail += " (min " + std::to_string(required);
    if (spec.min_healthy_percent) detail += " = " + std::to_string(*spec.min_healthy_percent) + "%";
    detail += ")";
  }
  if (total == 0) detail += "; no targets registered";
  if (healthy == 0 && count(Kind::kInitial) == 0 && unhealthy > 0) {
    // Elastic Load Balancing fails open when every target is unhealthy: it routes to all of them.
    detail += "; all targets are unhealthy, so the load balancer fails open and still routes requests to them";
  }
  if (healthy < required && count(Kind::kInitial) > 0) {
    detail += "; " + std::to_string(count(Kind::kInitial)) + " initial (registering or first health checks)";
  }
  std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.kind < b.kind; });
  std::size_t listed = 0;
  for (const Target& target : targets) {
    if (target.kind == Kind::kHealthy) break;
    if (listed++ < kMaxTargetsListed) detail += "; " + Describe(target);
  }
  if (listed > kMaxTargetsListed) detail += "; +" + std::to_string(listed - kMaxTargetsListed) + " more not healthy";

  if (balancer.checked && !balancer.active) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kLoadBalancerState, std::move(detail));
  } else if (healthy < required) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTargetsUnhealthy, std::move(detail));
  } else {
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, std::move(detail));
  }
  return result;
}

}  // namespace runbookd::probes::alb_target_health
