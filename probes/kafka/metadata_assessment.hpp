#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/probe_result.hpp"

namespace runbookd::probes::kafka {

// Kafka protocol error codes the assessment tells apart (the same numbers as rd_kafka_resp_err_t).
inline constexpr int kErrUnknownTopicOrPartition = 3;
inline constexpr int kErrLeaderNotAvailable = 5;
inline constexpr int kErrReplicaNotAvailable = 9;
inline constexpr int kErrTopicAuthorizationFailed = 29;

// A plain copy of one Metadata response (rd_kafka_metadata_t), plus whether the probe could
// connect to each broker: the response still lists brokers that are down.
struct PartitionMetadata {
  int32_t id = 0;
  int32_t leader = -1;  // -1: no leader, the partition is offline
  std::vector<int32_t> replicas;
  std::vector<int32_t> isrs;
  int error = 0;  // Kafka error code; 0 when none
  std::string error_text;
};

struct TopicMetadata {
  std::string name;
  int error = 0;
  std::string error_text;
  std::vector<PartitionMetadata> partitions;
};

struct BrokerMetadata {
  int32_t id = 0;
  std::string host;
  int port = 0;
  bool reachable = false;
};

struct ClusterMetadata {
  std::vector<BrokerMetadata> brokers;
  std::vector<TopicMetadata> topics;
};

// The judging part of a `type: kafka` spec (keys in probes/kafka/README.md).
struct AssessmentSpec {
  int64_t min_brokers = 1;
  std::vector<std::string> topics;  // empty: every topic in the cluster
  int64_t max_under_replicated = 0;
};

// Judges one Metadata response. Problems, most fundamental first (the reason is the first that
// applies; the detail names them all): fewer reachable brokers than min_brokers (brokers_down);
// a listed topic we may not describe (unauthorized); a listed topic that does not exist
// (topic_missing); partitions without a leader or topics in error (offline_partitions); more
// partitions with ISR < replicas than max_under_replicated (under_replicated).
ProbeResult AssessMetadata(const ClusterMetadata& metadata, const AssessmentSpec& spec);

}  // namespace runbookd::probes::kafka
