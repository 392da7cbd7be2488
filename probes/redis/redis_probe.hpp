#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::redis {

// `type: redis` probes: connect (optionally TLS), AUTH, PING, INFO replication, all under the
// run's deadline (keys, reasons and observations in probes/redis/README.md).
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::redis
