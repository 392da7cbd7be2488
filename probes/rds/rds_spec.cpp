#include "probes/rds/rds_spec.hpp"

#include <algorithm>
#include <cctype>

namespace runbookd::probes::rds {

namespace {

// RDS's rule for DB instance and cluster identifiers: 1 to 63 letters, digits or hyphens, starting
// with a letter, no trailing hyphen and no two in a row. A name pasted with an ARN or an endpoint
// host is caught here rather than as a not_found at every run.
bool IsIdentifier(const std::string& id) {
  return !id.empty() && id.size() <= 63 && std::isalpha(static_cast<unsigned char>(id.front())) != 0 &&
         id.back() != '-' && id.find("--") == std::string::npos && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
         });
}

std::string ReadIdentifier(const config::Node& node) {
  if (!node.defined()) return {};
  std::string id = node.AsString();
  if (!node.is_scalar()) return {};
  if (!IsIdentifier(id)) {
    node.Error("\"" + id + "\" is not an RDS identifier (1 to 63 letters, digits or hyphens, starting with a letter)");
    return {};
  }
  return id;
}

}  // namespace

RdsSpec ReadSpec(const config::Node& spec) {
  RdsSpec out;
  const config::Node instance = spec["db_instance_identifier"];
  const config::Node cluster = spec["db_cluster_identifier"];
  out.db_instance_identifier = ReadIdentifier(instance);
  out.db_cluster_identifier = ReadIdentifier(cluster);
  if (!instance.defined() && !cluster.defined()) {
    spec.Error("the rds probe needs \"db_instance_identifier\", \"db_cluster_identifier\", or both");
  }
  return out;
}

}  // namespace runbookd::probes::rds
