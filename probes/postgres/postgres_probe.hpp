#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::postgres {

// `type: postgres` probes: libpq's non-blocking connect watched by Asio under the probe's own
// deadline; ping mode answers PQping's question, query mode logs in and checks connection usage
// and replica lag (keys and semantics in probes/postgres/README.md).
ProbeFactory MakeProbeFactory();

}  // namespace runbookd::probes::postgres
