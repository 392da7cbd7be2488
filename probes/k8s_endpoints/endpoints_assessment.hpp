#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/probe_result.hpp"

namespace runbookd::probes::k8s_endpoints {

// Where the ready addresses of a Service are read from.
enum class EndpointSource {
  kEndpointSlices,  // discovery.k8s.io/v1 EndpointSlices (falls back to Endpoints when the group is absent)
  kEndpoints,       // core/v1 Endpoints
};

// A `type: k8s_endpoints` spec (keys in probes/k8s_endpoints/README.md).
struct EndpointsSpec {
  std::string ns;  // empty: the connection's default namespace (resolved when the probe runs)
  std::string service;
  int64_t min_ready = 1;
  EndpointSource source = EndpointSource::kEndpointSlices;
};

// Judges the EndpointSliceList of a Service (LIST .../endpointslices?labelSelector=
// kubernetes.io/service-name=SVC). An endpoint is ready when conditions.ready is true or absent;
// addresses are counted once per address family (dual-stack Services have a slice per family).
ProbeResult AssessEndpointSlices(const boost::json::value& slice_list, std::string_view ns, const EndpointsSpec& spec);

// Judges an Endpoints object (GET .../endpoints/SVC): subsets[].addresses are ready,
// notReadyAddresses are not. No subsets: no endpoints.
ProbeResult AssessEndpoints(const boost::json::value& endpoints, std::string_view ns, const EndpointsSpec& spec);

}  // namespace runbookd::probes::k8s_endpoints
