// The kafka probe's pure parts: AssessMetadata on plain metadata structs (the only place the
// ISR < replicas branch can be exercised: librdkafka's mock always reports ISR = replicas) and
// the parsing of librdkafka's statistics into broker reachability.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "probes/kafka/broker_states.hpp"
#include "probes/kafka/metadata_assessment.hpp"
#include "tests/support/probe_harness.hpp"

using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::probetest::Observed;
namespace kafka = runbookd::probes::kafka;

namespace {

kafka::PartitionMetadata InSync(int32_t id, int32_t leader) { return {id, leader, {1, 2, 3}, {1, 2, 3}, 0, ""}; }

// Three reachable brokers; "orders" with 3 partitions and "payments" with 2, all led and in sync.
kafka::ClusterMetadata HealthyCluster() {
  kafka::ClusterMetadata md;
  md.brokers = {{1, "kafka-1", 9092, true}, {2, "kafka-2", 9092, true}, {3, "kafka-3", 9092, true}};
  md.topics.push_back({"orders", 0, "", {InSync(0, 1), InSync(1, 2), InSync(2, 3)}});
  md.topics.push_back({"payments", 0, "", {InSync(0, 2), InSync(1, 3)}});
  return md;
}

kafka::PartitionMetadata& Partition(kafka::ClusterMetadata& md, const std::string& topic, int32_t id) {
  for (auto& t : md.topics) {
    if (t.name != topic) continue;
    for (auto& p : t.partitions) {
      if (p.id == id) return p;
    }
  }
  FAIL("no partition " << topic << "[" << id << "]");
  throw;
}

}  // namespace

TEST_CASE("kafka assessment: a healthy cluster", "[kafka]") {
  const auto r = kafka::AssessMetadata(HealthyCluster(), {3, {}, 0});
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "3/3 brokers reachable, 2 topics, 5 partitions led");
  CHECK(Observed(r, "brokers") == 3);
  CHECK(Observed(r, "brokers_reachable") == 3);
  CHECK(Observed(r, "topics") == 2);
  CHECK(Observed(r, "partitions") == 5);
  CHECK(Observed(r, "partitions_offline") == 0);
  CHECK(Observed(r, "partitions_under_replicated") == 0);
}

TEST_CASE("kafka assessment: ISR smaller than replicas is under-replicated", "[kafka]") {
  auto md = HealthyCluster();
  Partition(md, "orders", 1).isrs = {2, 3};
  Partition(md, "payments", 0).isrs = {2};

  const auto strict = kafka::AssessMetadata(md, {1, {}, 0});
  INFO(strict.detail);
  CHECK(strict.status == ProbeStatus::kUnhealthy);
  CHECK(strict.reason == ProbeReason::kUnderReplicated);
  CHECK(strict.detail == "2 partitions under-replicated (max 0): orders[1] (ISR 2 of 3), payments[0] (ISR 1 of 3)");
  CHECK(Observed(strict, "partitions_under_replicated") == 2);
  CHECK(Observed(strict, "partitions_offline") == 0);

  const auto tolerant = kafka::AssessMetadata(md, {1, {}, 2});
  CHECK(tolerant.status == ProbeStatus::kHealthy);
  CHECK(tolerant.detail ==
        "3/3 brokers reachable, 2 topics, 5 partitions led, 2 under-replicated (max 2): orders[1] (ISR 2 of 3), "
        "payments[0] (ISR 1 of 3)");
}

TEST_CASE("kafka assessment: a replica reported unavailable is under-replicated", "[kafka]") {
  auto md = HealthyCluster();
  auto& p = Partition(md, "orders", 0);
  p.error = kafka::kErrReplicaNotAvailable;
  p.error_text = "Broker: Replica not available";
  const auto r = kafka::AssessMetadata(md, {1, {}, 0});
  CHECK(r.reason == ProbeReason::kUnderReplicated);
  CHECK(Observed(r, "partitions_under_replicated") == 1);
}

TEST_CASE("kafka assessment: a partition without a leader is offline", "[kafka]") {
  auto md = HealthyCluster();
  Partition(md, "orders", 2).leader = -1;
  auto& errored = Partition(md, "payments", 1);
  errored.error = kafka::kErrLeaderNotAvailable;
  errored.error_text = "Broker: Leader not available";
  const auto r = kafka::AssessMetadata(md, {1, {}, 0});
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kOfflinePartitions);
  CHECK(r.detail == "2 partitions offline (no leader): orders[2], payments[1] (Broker: Leader not available)");
  CHECK(Observed(r, "partitions_offline") == 2);
}

TEST_CASE("kafka assessment: a topic in error counts as offline", "[kafka]") {
  auto md = HealthyCluster();
  md.topics[1] = {"payments", kafka::kErrLeaderNotAvailable, "Broker: Leader not available", {}};
  const auto r = kafka::AssessMetadata(md, {1, {}, 0});
  CHECK(r.reason == ProbeReason::kOfflinePartitions);
  CHECK(r.detail == "topic unavailable: payments (Broker: Leader not available)");
}

TEST_CASE("kafka assessment: fewer reachable brokers than min_brokers", "[kafka]") {
  auto md = HealthyCluster();
  md.brokers[1].reachable = false;
  const auto down = kafka::AssessMetadata(md, {3, {}, 0});
  INFO(down.detail);
  CHECK(down.status == ProbeStatus::kUnhealthy);
  CHECK(down.reason == ProbeReason::kBrokersDown);
  CHECK(down.detail == "2/3 brokers reachable (min 3), unreachable: 2 (kafka-2:9092)");
  CHECK(Observed(down, "brokers_reachable") == 2);

  CHECK(kafka::AssessMetadata(md, {2, {}, 0}).status == ProbeStatus::kHealthy);
  // A cluster smaller than min_brokers is short of brokers too.
  CHECK(kafka::AssessMetadata(HealthyCluster(), {4, {}, 0}).reason == ProbeReason::kBrokersDown);
}

TEST_CASE("kafka assessment: topics limits the check to the listed topics", "[kafka]") {
  auto md = HealthyCluster();
  Partition(md, "payments", 0).leader = -1;
  const auto listed = kafka::AssessMetadata(md, {1, {"orders"}, 0});
  INFO(listed.detail);
  CHECK(listed.status == ProbeStatus::kHealthy);
  CHECK(Observed(listed, "topics") == 1);
  CHECK(Observed(listed, "partitions") == 3);
  CHECK(kafka::AssessMetadata(md, {1, {"orders", "payments"}, 0}).reason == ProbeReason::kOfflinePartitions);
}

TEST_CASE("kafka assessment: a listed topic that does not exist is missing", "[kafka]") {
  auto md = HealthyCluster();
  md.topics.push_back({"audit", kafka::kErrUnknownTopicOrPartition, "Broker: Unknown topic or partition", {}});
  const auto r = kafka::AssessMetadata(md, {1, {"orders", "audit", "refunds"}, 0});
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kTopicMissing);
  CHECK(r.detail == "no such topic: audit, refunds");
  CHECK(Observed(r, "topics") == 1);
}

TEST_CASE("kafka assessment: a topic we may not describe is unauthorized", "[kafka]") {
  auto md = HealthyCluster();
  md.topics[0] = {"orders", kafka::kErrTopicAuthorizationFailed, "Broker: Topic authorization failed", {}};
  const auto r = kafka::AssessMetadata(md, {1, {"orders"}, 0});
  CHECK(r.reason == ProbeReason::kUnauthorized);
  CHECK(r.detail == "not authorized to describe orders");
}

TEST_CASE("kafka assessment: the most fundamental problem names the reason, the detail all", "[kafka]") {
  auto md = HealthyCluster();
  md.brokers[2].reachable = false;
  Partition(md, "orders", 0).leader = -1;
  Partition(md, "orders", 1).isrs = {1};
  const auto r = kafka::AssessMetadata(md, {3, {"orders", "gone"}, 0});
  CHECK(r.reason == ProbeReason::kBrokersDown);
  CHECK(r.detail ==
        "2/3 brokers reachable (min 3), unreachable: 3 (kafka-3:9092); no such topic: gone; 1 partition offline (no "
        "leader): orders[0]; 1 partition under-replicated (max 0): orders[1] (ISR 1 of 3)");
}

TEST_CASE("kafka assessment: details name five examples and count the rest", "[kafka]") {
  kafka::ClusterMetadata md;
  md.brokers = {{1, "k", 9092, true}};
  kafka::TopicMetadata topic{"big", 0, "", {}};
  for (int32_t i = 0; i < 8; ++i) topic.partitions.push_back({i, -1, {1}, {1}, 0, ""});
  md.topics.push_back(topic);
  const auto r = kafka::AssessMetadata(md, {1, {}, 0});
  CHECK(r.detail == "8 partitions offline (no leader): big[0], big[1], big[2], big[3], big[4] and 3 more");
}

TEST_CASE("kafka statistics: broker connection states decide reachability", "[kafka]") {
  const std::string stats = R"({
    "name": "rdkafka#producer-1", "type": "producer",
    "brokers": {
      "127.0.0.1:9092/bootstrap": {"nodeid": -1, "state": "UP", "connects": 1},
      "GroupCoordinator": {"nodeid": -1, "state": "INIT", "connects": 0},
      "127.0.0.1:9093/1": {"nodeid": 1, "state": "UP", "connects": 1},
      "127.0.0.1:9094/2": {"nodeid": 2, "state": "TRY_CONNECT", "connects": 2},
      "127.0.0.1:9095/3": {"nodeid": 3, "state": "CONNECT", "connects": 1},
      "127.0.0.1:9096/4": {"nodeid": 4, "state": "TRY_CONNECT", "connects": 0},
      "127.0.0.1:9097/5": {"nodeid": 5, "state": "DOWN", "connects": 1},
      "127.0.0.1:9098/6": {"nodeid": 6, "state": "UPDATE", "connects": 1}
    }
  })";
  const auto brokers = kafka::ParseBrokerConnections(stats);
  REQUIRE(brokers.size() == 6);  // the cluster's own brokers only
  using R = kafka::Reachability;
  CHECK(kafka::Judge(brokers.at(1)) == R::kReachable);
  CHECK(kafka::Judge(brokers.at(2)) == R::kUnreachable);  // backing off after a failure
  CHECK(kafka::Judge(brokers.at(3)) == R::kUndecided);    // still connecting (e.g. blackholed)
  CHECK(kafka::Judge(brokers.at(4)) == R::kUndecided);    // not tried yet
  CHECK(kafka::Judge(brokers.at(5)) == R::kUnreachable);
  CHECK(kafka::Judge(brokers.at(6)) == R::kReachable);

  CHECK(kafka::ParseBrokerConnections("not json").empty());
  CHECK(kafka::ParseBrokerConnections(R"({"brokers": []})").empty());
}
