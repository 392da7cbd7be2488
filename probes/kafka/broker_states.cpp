#include "probes/kafka/broker_states.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <system_error>

namespace runbookd::probes::kafka {

namespace json = boost::json;

std::map<int32_t, BrokerConnection> ParseBrokerConnections(std::string_view stats_json) {
  std::map<int32_t, BrokerConnection> out;
  boost::system::error_code ec;
  const json::value doc = json::parse(stats_json, ec);
  if (ec || !doc.is_object()) return out;
  const json::value* brokers = doc.as_object().if_contains("brokers");
  if (brokers == nullptr || !brokers->is_object()) return out;
  for (const auto& entry : brokers->as_object()) {
    if (!entry.value().is_object()) continue;
    const json::object& broker = entry.value().as_object();
    const json::value* nodeid = broker.if_contains("nodeid");
    const json::value* state = broker.if_contains("state");
    const json::value* connects = broker.if_contains("connects");
    // Bootstrap and internal brokers have node id -1: only the cluster's own brokers count.
    if (nodeid == nullptr || !nodeid->is_int64() || nodeid->as_int64() < 0) continue;
    if (state == nullptr || !state->is_string()) continue;
    BrokerConnection connection;
    connection.state = std::string(state->as_string());
    if (connects != nullptr && connects->is_int64()) connection.connects = connects->as_int64();
    out[static_cast<int32_t>(nodeid->as_int64())] = std::move(connection);
  }
  return out;
}

Reachability Judge(const BrokerConnection& broker) {
  if (broker.state == "UP" || broker.state == "UPDATE") return Reachability::kReachable;
  // DOWN right after a failure; TRY_CONNECT while backing off before the next attempt (with
  // sparse connections off nothing else leaves a tried broker there).
  if (broker.connects > 0 && (broker.state == "DOWN" || broker.state == "TRY_CONNECT")) {
    return Reachability::kUnreachable;
  }
  return Reachability::kUndecided;
}

}  // namespace runbookd::probes::kafka
