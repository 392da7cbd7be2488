#pragma once

#include <string>

#include "config/node.hpp"

namespace runbookd::probes::rds {

// A `type: rds` spec (keys in probes/rds/README.md): an instance, a cluster, or both; at least one.
struct RdsSpec {
  std::string db_instance_identifier;  // empty: no instance checked
  std::string db_cluster_identifier;   // empty: no cluster checked
};

// Reads the spec; errors are recorded on its nodes.
RdsSpec ReadSpec(const config::Node& spec);

}  // namespace runbookd::probes::rds
