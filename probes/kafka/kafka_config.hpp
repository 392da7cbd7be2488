#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "probes/kafka/metadata_assessment.hpp"

namespace runbookd::probes::kafka {

// One librdkafka configuration property. A secret one (sasl.password, ssl.key.password) is never
// logged or quoted in an error.
struct ClientProperty {
  std::string name;
  std::string value;
  bool secret = false;
};

// A parsed `type: kafka` spec (keys in probes/kafka/README.md).
struct KafkaCheck {
  std::string bootstrap;  // bootstrap.servers: host:port,host:port
  AssessmentSpec assessment;
  // Security settings and the `librdkafka:` pass-through, in the order they are set. The probe
  // adds its own (bootstrap.servers, statistics, sparse connections) after these.
  std::vector<ClientProperty> properties;
};

// Reads and checks a spec, librdkafka properties included (each is tried on a scratch
// rd_kafka_conf_t). Records errors on the node and returns nullopt when there are any.
std::optional<KafkaCheck> ReadKafkaProbeSpec(const config::Node& spec);

}  // namespace runbookd::probes::kafka
