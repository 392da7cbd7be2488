#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::tls_cert {

// `type: tls_cert` probes: connect to `address`, complete a TLS handshake that verifies the
// chain and `server_name`, and turn unhealthy when a certificate of the chain has fewer than
// `min_days_left` days left (keys and semantics in probes/tls_cert/README.md). Days are counted
// with the injected clock (ProbeDeps::clock; the system clock when none is given).
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::tls_cert
