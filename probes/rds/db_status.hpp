#pragma once

#include <string_view>

namespace runbookd::probes::rds {

// What a DBInstanceStatus or a cluster's Status means for serving (table in probes/rds/README.md).
enum class StatusClass {
  kAvailable,      // available
  kAvailableBusy,  // serving while RDS works on it (backing-up, storage-optimization, configuring-*)
  kTransitioning,  // changing state: not reliably serving until it is available again
  kFailingOver,    // a failover is in progress
  kDown,           // failed, stopped, out of storage, unusable configuration, being deleted
  kUnrecognised,   // a status this version does not know: the probe cannot decide
};

// A DBInstanceStatus or a DB cluster's Status. Instances and clusters share most words; what only
// one of them reports is harmless in the other's lists.
StatusClass ClassifyStatus(std::string_view status);

}  // namespace runbookd::probes::rds
