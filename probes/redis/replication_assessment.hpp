#pragma once

#include <optional>

#include "daemon/core/probe_result.hpp"
#include "probes/redis/replication_info.hpp"

namespace runbookd::redis {

// Judges a server that answered PING by its `INFO replication`: a missing role is unknown; a
// role other than `expected_role` (when given) is role_mismatch; a replica whose master link is
// not up is replication_broken (it still answers PING, serving stale data); else healthy.
// Records the redis_* replication observations and concludes `result`.
void AssessReplication(const ReplicationInfo& info, std::optional<Role> expected_role, ProbeResult& result);

}  // namespace runbookd::redis
