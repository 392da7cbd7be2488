#include "remediations/eks_nodegroup_scale/scale_settings.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace runbookd::remediations::eks_nodegroup_scale {

namespace {

constexpr int64_t kMaxSize = std::numeric_limits<int32_t>::max();
constexpr std::string_view kSizeKeys[] = {"min_size", "max_size", "desired_size"};

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

std::string ReadName(const config::Node& spec, std::string_view key, size_t max_length) {
  const config::Node node = spec.Required(key);
  if (!node.defined()) return {};
  std::string name = node.AsString();
  if (!IsEksName(name, max_length)) {
    node.Error("not a valid EKS " + std::string(key) + " name: " + Quote(name) + " (a letter or digit, then letters, " +
               "digits, '-' and '_', at most " + std::to_string(max_length) + ")");
    return {};
  }
  return name;
}

std::optional<int64_t>* SizeOf(ScaleRequest& request, std::string_view key) {
  if (key == "min_size") return &request.min;
  if (key == "max_size") return &request.max;
  return &request.desired;
}

// What is wrong among the sizes given (the others are only known at plan time).
std::optional<std::string> SizesError(const ScaleRequest& r) {
  const auto n = [](int64_t v) { return std::to_string(v); };
  if (r.max && *r.max < 1) return "max_size must be at least 1";
  if (r.min && r.max && *r.min > *r.max) return "min_size " + n(*r.min) + " is above max_size " + n(*r.max);
  if (r.desired && r.min && *r.desired < *r.min)
    return "desired_size " + n(*r.desired) + " is below min_size " + n(*r.min);
  if (r.desired && r.max && *r.desired > *r.max)
    return "desired_size " + n(*r.desired) + " is above max_size " + n(*r.max);
  return std::nullopt;
}

}  // namespace

std::optional<ScaleRequest> ReadScaleRequest(const config::Node& spec, const ActionDeps& deps) {
  const size_t errors_before = ErrorCount(spec);
  ScaleRequest request;
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("action type " + std::string(kType) +
               " needs a spec with at least \"cluster\", \"nodegroup\" and one of min_size, max_size, desired_size");
  } else {
    request.cluster = ReadName(spec, "cluster", 100);
    request.nodegroup = ReadName(spec, "nodegroup", 63);
    for (std::string_view key : kSizeKeys) {
      const config::Node node = spec[key];
      if (node.defined()) *SizeOf(request, key) = node.AsInt(0, 0, kMaxSize);
    }
    const size_t errors_now = ErrorCount(spec);
    if (!request.min && !request.max && !request.desired) {
      spec.Error("give at least one of min_size, max_size, desired_size");
    } else if (errors_now == errors_before) {
      if (auto error = SizesError(request)) spec.Error(*error);
    }
  }
  // Checked even when the spec is unusable, so that --check-config reports both at once.
  if (!deps.aws) {
    spec.Error("action type " + std::string(kType) + " needs a connection of type aws (set connection: NAME)");
  }
  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return request;
}

std::optional<std::string> ApplyParams(ScaleRequest& request, const ActionParams& params) {
  for (const auto& [key, value] : params) {
    const bool known = std::find(std::begin(kSizeKeys), std::end(kSizeKeys), key) != std::end(kSizeKeys);
    if (!known) {
      return "unknown param " + Quote(key) + " (" + std::string(kType) + " accepts: min_size, max_size, desired_size)";
    }
    int64_t size = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, size);
    if (value.empty() || ec != std::errc() || ptr != end || size < 0 || size > kMaxSize) {
      return "param " + key + ": expected an integer between 0 and " + std::to_string(kMaxSize) + ", got " +
             Quote(value);
    }
    *SizeOf(request, key) = size;
  }
  if (auto error = SizesError(request)) return "params: " + *error;
  return std::nullopt;
}

std::string PlanTarget(const std::string& region, const ScaleRequest& request) {
  return region + "/eks/" + request.cluster + "/nodegroup/" + request.nodegroup;
}

}  // namespace runbookd::remediations::eks_nodegroup_scale
