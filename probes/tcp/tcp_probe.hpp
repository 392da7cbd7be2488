#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::tcp {

// `type: tcp` probes: connect to `address`, optionally TLS, optionally a send/expect line
// dialogue (keys and semantics in probes/tcp/README.md).
ProbeFactory MakeProbeFactory();

// blackbox_exporter 0.23 `prober: tcp` modules for /probe: the target is host:port; success
// follows blackbox's prober/tcp.go (query_response, tls, tls_config, starttls).
ModuleFactory MakeModuleFactory();

}  // namespace runbookd::probes::tcp
