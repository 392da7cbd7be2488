#pragma once

#include <memory>
#include <optional>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"
#include "probes/kafka/kafka_config.hpp"
#include "probes/kafka/metadata_assessment.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::probes::kafka {

// The cluster's metadata with each broker's reachability, or why there is none.
struct FetchOutcome {
  std::optional<ClusterMetadata> metadata;
  ProbeResult failure;  // meaningful when metadata is empty
};

// One librdkafka client handle, created and destroyed here: asks any broker for the metadata of
// every topic (never naming a topic, so nothing is auto-created), then waits until a
// connection to each broker in the answer has succeeded or failed. Everything ends by
// `budget_end`. Blocks: run it on the BlockingPool. librdkafka's own log lines go to `logger`
// (may be null) at debug level.
FetchOutcome FetchMetadata(const KafkaCheck& check, SteadyTime budget_end,
                           const std::shared_ptr<spdlog::logger>& logger);

}  // namespace runbookd::probes::kafka
