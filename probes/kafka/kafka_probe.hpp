#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::kafka {

// `type: kafka` probes: one librdkafka Metadata request per run, on the daemon's blocking pool,
// judged for reachable brokers, offline and under-replicated partitions and missing topics
// (keys and semantics in probes/kafka/README.md).
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::kafka
