#include "remediations/eks_nodegroup_scale/nodegroup_plan.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <utility>

#include "daemon/clients/aws/crypto.hpp"

namespace runbookd::remediations::eks_nodegroup_scale {

namespace json = boost::json;

namespace {

std::optional<int64_t> IntAt(const json::object& o, std::string_view key) {
  const auto* found = o.if_contains(key);
  if (found == nullptr || !found->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const auto value = found->to_number<int64_t>(ec);
  if (ec) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ScalingConfig> ScalingFromJson(const json::value* v) {
  if (v == nullptr || !v->is_object()) return std::nullopt;
  const auto& o = v->get_object();
  auto min = IntAt(o, "minSize");
  auto max = IntAt(o, "maxSize");
  auto desired = IntAt(o, "desiredSize");
  if (!min || !max || !desired) return std::nullopt;
  return ScalingConfig{*min, *max, *desired};
}

namespace {

std::string Sizes(const ScalingConfig& c) {
  return "min " + std::to_string(c.min) + ", desired " + std::to_string(c.desired) + ", max " + std::to_string(c.max);
}

std::string Size(int64_t from, int64_t to) {
  return from == to ? std::to_string(to) : std::to_string(from) + " → " + std::to_string(to);
}

void Conclude(ActionPlan& plan, OutcomeReason verdict, std::string summary) {
  plan.verdict = verdict;
  plan.summary = std::move(summary);
}

}  // namespace

Nodegroup ReadNodegroup(const json::value& body) {
  Nodegroup out;
  const auto* ng = body.is_object() ? body.get_object().if_contains("nodegroup") : nullptr;
  if (ng == nullptr || !ng->is_object()) return out;
  const auto& o = ng->get_object();
  if (const auto* status = o.if_contains("status"); status && status->is_string()) out.status = status->get_string();
  if (const auto* modified = o.if_contains("modifiedAt")) out.modified_at = *modified;
  out.scaling = ScalingFromJson(o.if_contains("scalingConfig"));
  return out;
}

bool IsEksName(std::string_view name, size_t max_length) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > max_length || !alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-' || c == '_'; });
}

std::string NodegroupPath(const std::string& cluster, const std::string& nodegroup) {
  return "/clusters/" + cluster + "/node-groups/" + nodegroup;
}

std::string UpdatePath(const std::string& cluster, const std::string& nodegroup, const std::string& update_id) {
  return "/clusters/" + cluster + "/updates/" + update_id + "?nodegroupName=" + nodegroup;
}

MergedConfig Merge(const ScaleRequest& request, const ScalingConfig& current) {
  MergedConfig out;
  ScalingConfig& c = out.config;
  c.min = request.min.value_or(current.min);
  c.max = request.max.value_or(current.max);
  c.desired = request.desired.value_or(current.desired);
  const std::string merged = " (" + Sizes(c) + " after merging with the current " + Sizes(current) + ")";
  if (c.min < 0 || c.desired < 0) {
    out.error = "sizes must not be negative" + merged;
  } else if (c.max < 1) {
    out.error = "max_size must be at least 1" + merged;
  } else if (c.min > c.max) {
    out.error = "min_size " + std::to_string(c.min) + " is above max_size " + std::to_string(c.max) + merged;
  } else if (c.desired < c.min) {
    out.error = "desired_size " + std::to_string(c.desired) + " is below min_size " + std::to_string(c.min) + merged;
  } else if (c.desired > c.max) {
    out.error = "desired_size " + std::to_string(c.desired) + " is above max_size " + std::to_string(c.max) + merged;
  }
  return out;
}

json::object ScalingJson(const ScalingConfig& config) {
  return json::object{{"minSize", config.min}, {"maxSize", config.max}, {"desiredSize", config.desired}};
}

json::object ObservedNodegroup(const ScaleRequest& request, const Nodegroup& nodegroup) {
  json::object observed{{"kind", "Nodegroup"},
                        {"name", request.Display()},
                        {"status", nodegroup.status},
                        {"modifiedAt", nodegroup.modified_at}};
  if (nodegroup.scaling) {
    observed["scalingConfig"] = ScalingJson(*nodegroup.scaling);
  } else {
    observed["scalingConfig"] = nullptr;
  }
  return observed;
}

std::string RequestToken(const ScaleRequest& request, const ScalingConfig& target, const json::object& observed) {
  const std::string material = request.cluster + "\n" + request.nodegroup + "\n" +
                               json::serialize(ScalingJson(target)) + "\n" + json::serialize(observed);
  std::string hex = aws::Sha256Hex(material).substr(0, 32);
  hex[12] = '8';                                                          // version 8: custom
  hex[16] = "89ab"[std::stoi(std::string(1, hex[16]), nullptr, 16) & 3];  // RFC variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string DescribeSizes(const ScalingConfig& from, const ScalingConfig& to) {
  return "desired " + Size(from.desired, to.desired) + " (min " + Size(from.min, to.min) + ", max " +
         Size(from.max, to.max) + ")";
}

ActionPlan PlanNodegroupScale(const ScaleRequest& request, const Nodegroup& nodegroup, std::string target) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = std::move(target);
  const json::object observed = ObservedNodegroup(request, nodegroup);
  plan.observed.push_back(observed);
  const std::string display = "EKS nodegroup " + request.Display();
  if (nodegroup.status != "ACTIVE") {
    Conclude(plan, OutcomeReason::kRefused,
             display + " is " + (nodegroup.status.empty() ? "of unknown status" : nodegroup.status) +
                 ", not ACTIVE (an update may be in progress): refusing to scale it now");
    return plan;
  }
  if (!nodegroup.scaling) {
    Conclude(plan, OutcomeReason::kApiError, "DescribeNodegroup for " + request.Display() + " has no scalingConfig");
    return plan;
  }
  const ScalingConfig& current = *nodegroup.scaling;
  MergedConfig merged = Merge(request, current);
  if (!merged.error.empty()) {
    Conclude(plan, OutcomeReason::kInvalidParams, std::move(merged.error));
    return plan;
  }
  const ScalingConfig& to = merged.config;
  if (to == current) {
    Conclude(plan, OutcomeReason::kNoop, display + " already at " + DescribeSizes(current, to));
    return plan;
  }
  plan.summary = "scale " + display + ": " + DescribeSizes(current, to);
  const json::object body{{"scalingConfig", ScalingJson(to)},
                          {"clientRequestToken", RequestToken(request, to, observed)}};
  const std::string path = NodegroupPath(request.cluster, request.nodegroup);
  plan.steps = {
      "GET " + path + " (unchanged since the plan?)", "POST " + path + "/update-config " + json::serialize(body),
      "poll GET " + UpdatePath(request.cluster, request.nodegroup, "{id}") + " until the update is Successful"};
  plan.details = json::object{{"cluster", request.cluster},
                              {"nodegroup", request.nodegroup},
                              {"from", ScalingJson(current)},
                              {"to", ScalingJson(to)},
                              {"body", body}};
  return plan;
}

std::optional<std::string> DescribeChange(const ScaleRequest& request, const json::object& observed,
                                          const Nodegroup& now, const ScalingConfig& target) {
  const std::string changed = "EKS nodegroup " + request.Display() + " changed since the plan (";
  if (now.scaling && *now.scaling == target) return std::nullopt;
  const auto planned = ScalingFromJson(observed.if_contains("scalingConfig"));
  if (!planned) return "malformed plan: no observed scalingConfig";
  if (!now.scaling) return changed + "no scalingConfig now); plan again";
  if (*now.scaling != *planned) return changed + DescribeSizes(*planned, *now.scaling) + "); plan again";
  const auto* status = observed.if_contains("status");
  const std::string planned_status = status && status->is_string() ? std::string(status->get_string()) : "";
  if (now.status == "UPDATING") return std::nullopt;
  if (now.status != planned_status) {
    return changed + "status " + planned_status + " → " + now.status + "); plan again";
  }
  const auto* modified = observed.if_contains("modifiedAt");
  const json::value planned_modified = modified ? *modified : json::value(nullptr);
  if (planned_modified != now.modified_at) {
    return changed + "modifiedAt " + json::serialize(planned_modified) + " → " + json::serialize(now.modified_at) +
           "); plan again";
  }
  return std::nullopt;
}

}  // namespace runbookd::remediations::eks_nodegroup_scale
