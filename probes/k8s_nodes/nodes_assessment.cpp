#include "probes/k8s_nodes/nodes_assessment.hpp"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"

namespace runbookd::probes::k8s_nodes {

namespace {

using namespace k8s_common::reading;

constexpr std::size_t kMaxListed = 5;  // nodes named per list in the detail
constexpr std::size_t kMaxMessage = 120;

struct NodeFacts {
  std::string name;
  const boost::json::value* ready = nullptr;  // the Ready condition, if the node has one
  bool ready_true = false;
  std::vector<std::string> pressures;  // "MemoryPressure", ... that are "True"
  bool unschedulable = false;
};

NodeFacts Inspect(const boost::json::value& node) {
  NodeFacts facts;
  facts.name = StringAt(node, {"metadata", "name"});
  const auto* unschedulable = k8s::Find(node, {"spec", "unschedulable"});
  facts.unschedulable = unschedulable != nullptr && unschedulable->is_bool() && unschedulable->get_bool();
  if (const auto* conditions = k8s::Find(node, {"status", "conditions"}); conditions && conditions->is_array()) {
    for (const auto& condition : conditions->get_array()) {
      const std::string type = StringAt(condition, {"type"});
      const bool is_true = StringAt(condition, {"status"}) == "True";
      if (type == "Ready") {
        facts.ready = &condition;
        facts.ready_true = is_true;
      } else if (is_true && (type == "MemoryPressure" || type == "DiskPressure" || type == "PIDPressure")) {
        facts.pressures.push_back(type);
      }
    }
  }
  return facts;
}

// "Ready=Unknown for 5m (NodeStatusUnknown: Kubelet stopped posting node status.)"
std::string DescribeReady(const NodeFacts& node, WallTime now) {
  if (node.ready == nullptr) return "no Ready condition";
  const std::string status = StringAt(*node.ready, {"status"});
  std::string out = "Ready=" + (status.empty() ? std::string("?") : status);
  if (auto since = common::ParseTime(StringAt(*node.ready, {"lastTransitionTime"}))) {
    out += " for " + common::FormatAge(now - *since);
  }
  const std::string reason = StringAt(*node.ready, {"reason"});
  const std::string message = common::OneLine(StringAt(*node.ready, {"message"}), kMaxMessage);
  if (!reason.empty() || !message.empty()) {
    out += " (" + reason + (!reason.empty() && !message.empty() ? ": " : "") + message + ")";
  }
  return out;
}

// "node-a: Ready=False for 2m (KubeletNotReady: ...), MemoryPressure"
std::string DescribeNotReady(const NodeFacts& node, WallTime now) {
  std::vector<std::string> parts;
  if (!node.ready_true) parts.push_back(DescribeReady(node, now));
  parts.insert(parts.end(), node.pressures.begin(), node.pressures.end());
  std::string out = node.name + ": ";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : ", ") + parts[i];
  return out;
}

// "label: a, b, c (+2 more)"
std::string NameList(std::string_view label, const std::vector<std::string>& names) {
  std::string out = std::string(label) + ": ";
  for (std::size_t i = 0; i < names.size() && i < kMaxListed; ++i) out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > kMaxListed) out += " (+" + std::to_string(names.size() - kMaxListed) + " more)";
  return out;
}

}  // namespace

ProbeResult AssessNodes(const boost::json::value& node_list, WallTime now, const NodesSpec& spec) {
  const boost::json::array* items = common::ItemsOf(node_list);
  if (items == nullptr) return common::UnusableAnswer("the node list has no items array");

  std::vector<NodeFacts> not_ready;
  std::vector<std::string> memory, disk, pid, cordoned;
  int64_t total = 0;
  for (const auto& item : *items) {
    NodeFacts node = Inspect(item);
    ++total;
    for (const auto& pressure : node.pressures) {
      (pressure == "MemoryPressure" ? memory : pressure == "DiskPressure" ? disk : pid).push_back(node.name);
    }
    if (node.unschedulable) cordoned.push_back(node.name);
    if (!node.ready_true || (spec.pressure_counts_as_not_ready && !node.pressures.empty())) {
      not_ready.push_back(std::move(node));
    }
  }
  const auto not_ready_count = static_cast<int64_t>(not_ready.size());

  ProbeResult result;
  result.Observe("nodes_total", static_cast<double>(total));
  result.Observe("nodes_ready", static_cast<double>(total - not_ready_count));
  result.Observe("nodes_not_ready", static_cast<double>(not_ready_count));
  result.Observe("nodes_memory_pressure", static_cast<double>(memory.size()));
  result.Observe("nodes_disk_pressure", static_cast<double>(disk.size()));
  result.Observe("nodes_pid_pressure", static_cast<double>(pid.size()));
  result.Observe("nodes_unschedulable", static_cast<double>(cordoned.size()));

  const std::string selected = spec.label_selector.empty() ? "" : " matching " + spec.label_selector;
  if (total == 0) {
    // An empty cluster (or a selector that matches nothing) runs nothing: never healthy.
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kNodesNotReady, "no nodes" + selected);
    return result;
  }

  std::string detail =
      std::to_string(total - not_ready_count) + "/" + std::to_string(total) + " nodes" + selected + " Ready";
  if (not_ready_count > 0) {
    detail += ", " + std::to_string(not_ready_count) + " not Ready (max " + std::to_string(spec.max_not_ready) + "): ";
    for (std::size_t i = 0; i < not_ready.size() && i < kMaxListed; ++i) {
      detail += (i == 0 ? "" : "; ") + DescribeNotReady(not_ready[i], now);
    }
    if (not_ready.size() > kMaxListed) detail += " (+" + std::to_string(not_ready.size() - kMaxListed) + " more)";
  }
  if (!memory.empty()) detail += "; " + NameList("MemoryPressure", memory);
  if (!disk.empty()) detail += "; " + NameList("DiskPressure", disk);
  if (!pid.empty()) detail += "; " + NameList("PIDPressure", pid);
  if (!cordoned.empty()) detail += "; " + NameList("cordoned", cordoned);

  common::Judge(result, not_ready_count > spec.max_not_ready, ProbeReason::kNodesNotReady, std::move(detail));
  return result;
}

}  // namespace runbookd::probes::k8s_nodes
