#pragma once

#include "daemon/core/registry.hpp"

namespace runbookd::probes::http {

// The `http` probe type: builds a probe from a runbookd `spec:` block (see README.md).
ProbeFactory MakeProbeFactory();

// The `http` prober of blackbox_exporter modules: parses a module's `http:` block.
ModuleFactory MakeModuleFactory();

}  // namespace runbookd::probes::http
