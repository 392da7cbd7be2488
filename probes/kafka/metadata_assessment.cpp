#include "probes/kafka/metadata_assessment.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace runbookd::probes::kafka {

namespace {

// Details name a few examples of each problem; the observations carry the counts.
constexpr std::size_t kExamplesShown = 5;

std::string Count(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// "a, b, c, d, e and 3 more"
std::string Examples(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kExamplesShown; ++i) out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > kExamplesShown) out += " and " + std::to_string(names.size() - kExamplesShown) + " more";
  return out;
}

// A partition nobody can read or write: no leader, or an error other than a missing replica
// (which still has a leader; it only lowers the replica count).
bool IsOffline(const PartitionMetadata& p) {
  return p.leader < 0 || (p.error != 0 && p.error != kErrReplicaNotAvailable);
}

bool IsUnderReplicated(const PartitionMetadata& p) {
  return p.isrs.size() < p.replicas.size() || p.error == kErrReplicaNotAvailable;
}

// The topics to judge: the listed ones that exist, or every topic. Listed topics that do not
// exist go to `missing`.
std::vector<const TopicMetadata*> SelectTopics(const ClusterMetadata& metadata, const AssessmentSpec& spec,
                                               std::vector<std::string>& missing) {
  std::vector<const TopicMetadata*> selected;
  if (spec.topics.empty()) {
    for (const TopicMetadata& topic : metadata.topics) {
      if (topic.error != kErrUnknownTopicOrPartition) selected.push_back(&topic);
    }
    return selected;
  }
  for (const std::string& name : spec.topics) {
    const auto found = std::find_if(metadata.topics.begin(), metadata.topics.end(),
                                    [&name](const TopicMetadata& t) { return t.name == name; });
    if (found == metadata.topics.end() || found->error == kErrUnknownTopicOrPartition) {
      missing.push_back(name);
    } else {
      selected.push_back(&*found);
    }
  }
  return selected;
}

}  // namespace

ProbeResult AssessMetadata(const ClusterMetadata& metadata, const AssessmentSpec& spec) {
  std::vector<std::string> unreachable;
  for (const BrokerMetadata& broker : metadata.brokers) {
    if (!broker.reachable) {
      unreachable.push_back(std::to_string(broker.id) + " (" + broker.host + ":" + std::to_string(broker.port) + ")");
    }
  }
  const std::size_t reachable = metadata.brokers.size() - unreachable.size();

  std::vector<std::string> missing;
  const std::vector<const TopicMetadata*> topics = SelectTopics(metadata, spec, missing);
  std::vector<std::string> denied;
  std::vector<std::string> unavailable;
  std::vector<std::string> offline;
  std::vector<std::string> under_replicated;
  std::size_t partitions = 0;
  for (const TopicMetadata* topic : topics) {
    if (topic->error == kErrTopicAuthorizationFailed) {
      denied.push_back(topic->name);
      continue;
    }
    if (topic->error != 0) {
      unavailable.push_back(topic->name + " (" + topic->error_text + ")");
      continue;
    }
    for (const PartitionMetadata& p : topic->partitions) {
      ++partitions;
      const std::string name = topic->name + "[" + std::to_string(p.id) + "]";
      if (IsOffline(p)) {
        offline.push_back(name + (p.leader < 0 ? "" : " (" + p.error_text + ")"));
      } else if (IsUnderReplicated(p)) {
        under_replicated.push_back(name + " (ISR " + std::to_string(p.isrs.size()) + " of " +
                                   std::to_string(p.replicas.size()) + ")");
      }
    }
  }

  ProbeResult result;
  result.Observe("brokers", static_cast<double>(metadata.brokers.size()));
  result.Observe("brokers_reachable", static_cast<double>(reachable));
  result.Observe("topics", static_cast<double>(topics.size()));
  result.Observe("partitions", static_cast<double>(partitions));
  result.Observe("partitions_offline", static_cast<double>(offline.size()));
  result.Observe("partitions_under_replicated", static_cast<double>(under_replicated.size()));

  std::vector<std::pair<ProbeReason, std::string>> problems;
  if (static_cast<int64_t>(reachable) < spec.min_brokers) {
    std::string what = std::to_string(reachable) + "/" + std::to_string(metadata.brokers.size()) +
                       " brokers reachable (min " + std::to_string(spec.min_brokers) + ")";
    if (!unreachable.empty()) what += ", unreachable: " + Examples(unreachable);
    problems.emplace_back(ProbeReason::kBrokersDown, what);
  }
  if (!denied.empty())
    problems.emplace_back(ProbeReason::kUnauthorized, "not authorized to describe " + Examples(denied));
  if (!missing.empty()) problems.emplace_back(ProbeReason::kTopicMissing, "no such topic: " + Examples(missing));
  if (!unavailable.empty()) {
    problems.emplace_back(ProbeReason::kOfflinePartitions, "topic unavailable: " + Examples(unavailable));
  }
  if (!offline.empty()) {
    problems.emplace_back(ProbeReason::kOfflinePartitions,
                          Count(offline.size(), "partition") + " offline (no leader): " + Examples(offline));
  }
  const bool too_many_under_replicated = static_cast<int64_t>(under_replicated.size()) > spec.max_under_replicated;
  if (too_many_under_replicated) {
    problems.emplace_back(ProbeReason::kUnderReplicated,
                          Count(under_replicated.size(), "partition") + " under-replicated (max " +
                              std::to_string(spec.max_under_replicated) + "): " + Examples(under_replicated));
  }

  if (problems.empty()) {
    std::string detail = std::to_string(reachable) + "/" + std::to_string(metadata.brokers.size()) +
                         " brokers reachable, " + Count(topics.size(), "topic") + ", " +
                         Count(partitions, "partition") + " led";
    if (!under_replicated.empty()) {
      detail += ", " + std::to_string(under_replicated.size()) + " under-replicated (max " +
                std::to_string(spec.max_under_replicated) + "): " + Examples(under_replicated);
    }
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, detail);
    return result;
  }
  std::string detail;
  for (const auto& [reason, what] : problems) detail += (detail.empty() ? "" : "; ") + what;
  result.Conclude(ProbeStatus::kUnhealthy, problems.front().first, detail);
  return result;
}

}  // namespace runbookd::probes::kafka
