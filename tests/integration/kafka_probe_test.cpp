// The kafka probe against librdkafka's mock cluster (in-process brokers on 127.0.0.1) and a
// blackholed port, running on a real ThreadBlockingPool.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h needs rdkafka.h first.
#include <librdkafka/rdkafka_mock.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "daemon/engine/blocking_pool.hpp"
#include "probes/kafka/kafka_probe.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/test_http_server.hpp"

using namespace std::chrono_literals;
using runbookd::ProbeDeps;
using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::ThreadBlockingPool;
using runbookd::probes::kafka::MakeProbeFactory;
using runbookd::probetest::BuildProbe;
using runbookd::probetest::Observed;
using runbookd::probetest::RunCancelled;
using runbookd::probetest::RunOnce;

namespace {

// A mock cluster of `brokers` brokers (ids 1..N), owned by a producer handle created with
// test.mock.num.brokers. Its own log lines are silenced.
class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char error[512] = "";
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "test.mock.num.brokers", std::to_string(brokers).c_str(), error, sizeof error) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    INFO(error);
    REQUIRE(handle_ != nullptr);
    cluster_ = rd_kafka_handle_mock_cluster(handle_);
    REQUIRE(cluster_ != nullptr);
  }
  ~MockCluster() { rd_kafka_destroy(handle_); }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* get() const { return cluster_; }
  void CreateTopic(const std::string& topic, int partitions) {
    REQUIRE(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 3) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

// Two threads, as the daemon would have; every test's runs go through it.
struct PoolFixture {
  ThreadBlockingPool pool{2, 4};
  ProbeDeps deps() {
    ProbeDeps d;
    d.blocking = &pool;
    return d;
  }
};

std::string Spec(const MockCluster& cluster, const std::string& more = {}) {
  return "bootstrap: '" + cluster.bootstraps() + "'\n" + more;
}

}  // namespace

TEST_CASE_METHOD(PoolFixture, "kafka: a healthy mock cluster", "[kafka]") {
  MockCluster cluster(3);
  cluster.CreateTopic("orders", 4);
  cluster.CreateTopic("payments", 2);
  auto probe = BuildProbe(MakeProbeFactory(), Spec(cluster, "min_brokers: 3\ntopics: [orders]"), deps());
  const auto out = RunOnce(*probe, 5s);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.reason == ProbeReason::kOk);
  CHECK(Observed(out.result, "brokers") == 3);
  CHECK(Observed(out.result, "brokers_reachable") == 3);
  CHECK(Observed(out.result, "topics") == 1);
  CHECK(Observed(out.result, "partitions") == 4);
  CHECK(Observed(out.result, "partitions_offline") == 0);
  CHECK(Observed(out.result, "partitions_under_replicated") == 0);
  CHECK(out.elapsed < 2s);  // decided by the brokers' states, not by waiting out the timeout

  // Without topics, every topic counts.
  const auto all = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster), deps()), 5s);
  CHECK(all.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(all.result, "partitions") == 6);
}

TEST_CASE_METHOD(PoolFixture, "kafka: a broker down leaves fewer reachable brokers than min_brokers", "[kafka]") {
  MockCluster cluster(3);
  cluster.CreateTopic("orders", 3);
  REQUIRE(rd_kafka_mock_broker_set_down(cluster.get(), 2) == RD_KAFKA_RESP_ERR_NO_ERROR);

  const auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster, "min_brokers: 3"), deps()), 5s);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kBrokersDown);
  CHECK_THAT(out.result.detail, Catch::StartsWith("2/3 brokers reachable (min 3), unreachable: 2 (127.0.0.1:"));
  CHECK(Observed(out.result, "brokers") == 3);  // the cluster still lists it
  CHECK(Observed(out.result, "brokers_reachable") == 2);
  CHECK(out.elapsed < 2s);  // the refused connection decides it

  const auto tolerated = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster, "min_brokers: 2"), deps()), 5s);
  INFO(tolerated.result.detail);
  CHECK(tolerated.result.status == ProbeStatus::kHealthy);
}

TEST_CASE_METHOD(PoolFixture, "kafka: a partition with no leader is offline", "[kafka]") {
  MockCluster cluster(3);
  cluster.CreateTopic("orders", 3);
  REQUIRE(rd_kafka_mock_partition_set_leader(cluster.get(), "orders", 1, -1) == RD_KAFKA_RESP_ERR_NO_ERROR);

  const auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster, "topics: orders"), deps()), 5s);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kOfflinePartitions);
  CHECK(out.result.detail == "1 partition offline (no leader): orders[1]");
  CHECK(Observed(out.result, "partitions_offline") == 1);
}

TEST_CASE_METHOD(PoolFixture, "kafka: a listed topic that does not exist is missing, and stays so", "[kafka]") {
  MockCluster cluster(1);
  cluster.CreateTopic("orders", 1);
  auto probe = BuildProbe(MakeProbeFactory(), Spec(cluster, "topics: [orders, refunds]"), deps());
  for (int run = 0; run < 2; ++run) {  // asking must not auto-create it
    const auto out = RunOnce(*probe, 5s);
    INFO(out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kTopicMissing);
    CHECK(out.result.detail == "no such topic: refunds");
  }
}

TEST_CASE_METHOD(PoolFixture, "kafka: every broker down is connection_failed before the timeout", "[kafka]") {
  MockCluster cluster(2);
  REQUIRE(rd_kafka_mock_broker_set_down(cluster.get(), -1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster), deps()), 5s);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionFailed);
  CHECK_THAT(out.result.detail, Catch::StartsWith("no broker usable: "));
  CHECK(out.elapsed < 2s);
}

TEST_CASE_METHOD(PoolFixture, "kafka: a blackholed bootstrap times out within timeout + 100 ms", "[kafka]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto probe = BuildProbe(MakeProbeFactory(), "bootstrap: 127.0.0.1:" + std::to_string(blackhole.port()), deps());
  for (const auto timeout : {500ms, 1000ms}) {
    const auto out = RunOnce(*probe, timeout);
    INFO(out.result.detail);
    CHECK(out.result.status == ProbeStatus::kUnhealthy);
    CHECK(out.result.reason == ProbeReason::kTimeout);
    CHECK(out.elapsed >= timeout - 150ms);
    CHECK(out.elapsed <= timeout + 100ms);
  }
  // Cancelled by the core (its own deadline won the race): stops at once.
  CHECK(RunCancelled(*probe, 100ms) <= 200ms);
}

TEST_CASE_METHOD(PoolFixture, "kafka: a broker that never finishes connecting counts as unreachable", "[kafka]") {
  // Broker 2 answers nothing for 10 s (not even ApiVersion), so its connection stays undecided:
  // the run waits for it until librdkafka's budget ends, and still ends by its deadline.
  MockCluster cluster(2);
  REQUIRE(rd_kafka_mock_broker_set_rtt(cluster.get(), 2, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(cluster, "min_brokers: 2"), deps()), 1s);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kBrokersDown);
  CHECK(Observed(out.result, "brokers_reachable") == 1);
  CHECK(out.elapsed >= 850ms);
  CHECK(out.elapsed <= 1100ms);
}

TEST_CASE("kafka: without the daemon's pool a run is unknown", "[kafka]") {
  auto probe = BuildProbe(MakeProbeFactory(), "bootstrap: 127.0.0.1:9");
  const auto out = RunOnce(*probe, 1s);
  CHECK(out.result.status == ProbeStatus::kUnknown);
  CHECK(out.result.reason == ProbeReason::kInternalError);
  CHECK(out.result.detail == "no blocking pool to run librdkafka on");
}

TEST_CASE("kafka: a saturated pool is unknown, blocking pool saturated", "[kafka]") {
  ThreadBlockingPool pool(1, 0);
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  ProbeDeps deps;
  deps.blocking = &pool;
  auto probe = BuildProbe(MakeProbeFactory(), "bootstrap: 127.0.0.1:" + std::to_string(blackhole.port()), deps);
  // The first run's work holds the only thread until its budget ends; a run started meanwhile
  // finds no room. (Both on one io_context, so the second starts while the first waits.)
  boost::asio::io_context io;
  const auto deadline = std::chrono::steady_clock::now() + 1s;
  runbookd::ProbeContext ctx{io.get_executor(), deadline};
  std::vector<runbookd::ProbeResult> results;
  for (int i = 0; i < 2; ++i) {
    boost::asio::co_spawn(io, probe->Run(ctx),
                          [&](std::exception_ptr, runbookd::ProbeResult r) { results.push_back(std::move(r)); });
  }
  io.run();
  REQUIRE(results.size() == 2);
  CHECK(results[0].status == ProbeStatus::kUnknown);  // the refused one finishes first
  CHECK(results[0].detail == "blocking pool saturated");
  CHECK(results[1].reason == ProbeReason::kTimeout);
}
