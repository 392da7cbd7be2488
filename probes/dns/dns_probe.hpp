#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::dns {

// `type: dns` probes: one query of `record_type` for `name`, checked against `expect` and
// `expect_rcode` (keys and semantics in probes/dns/README.md).
ProbeFactory MakeProbeFactory();

// blackbox_exporter 0.23 `prober: dns` modules for /probe: the target is the DNS server
// (host[:port], port 53 by default); success follows blackbox's prober/dns.go.
ModuleFactory MakeModuleFactory();

}  // namespace runbookd::probes::dns
