#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/probe_result.hpp"
#include "daemon/core/registry.hpp"
#include "daemon/http/router.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::http {

// One module of the `modules:` config, as blackbox_exporter has them.
struct ProbeModule {
  std::string prober;                    // "http" | "tcp" | "dns"
  std::chrono::milliseconds timeout{0};  // 0 = not set
  TargetProbeBuilder build;
};
using ProbeModules = std::map<std::string, ProbeModule>;

struct ProbeRouteOptions {
  // blackbox_exporter's --timeout-offset: subtracted from Prometheus's scrape timeout so the
  // answer arrives before Prometheus gives up.
  double timeout_offset_seconds = 0.5;
  std::shared_ptr<spdlog::logger> log;  // may be null
};

// blackbox_exporter 0.23's getTimeout: the X-Prometheus-Scrape-Timeout-Seconds value (120 s when
// absent, empty or 0) minus the offset; the module's timeout replaces it when set and smaller, or
// when the offset made it negative. nullopt when the header is not a number (blackbox: 500).
std::optional<std::chrono::nanoseconds> ProbeTimeout(std::string_view scrape_timeout_header,
                                                     std::chrono::milliseconds module_timeout, double offset_seconds);

// The /probe answer body: probe_success, probe_duration_seconds and every observation as gauge
// probe_<name>, with blackbox_exporter's HELP texts where it has one, families sorted by name as
// client_golang does. An observation named `name{label="v",...}` becomes a sample with those
// labels (e.g. http_duration_seconds{phase="connect"}); ill-formed names are left out.
std::string RenderProbeMetrics(const ProbeResult& result, std::chrono::nanoseconds duration);

// GET /probe?module=M&target=T, answering as blackbox_exporter does: module defaults to
// "http_2xx"; 400 for an unknown module, a module without prober, or a missing target; 500 for an
// unparsable scrape-timeout header; else 200 with probe_success 0|1. The probe runs with the
// deadline of ProbeTimeout and is raced against a timer, so the answer comes by the deadline even
// if the probe ignores it (the probe is cancelled and finishes in the background).
Handler MakeProbeHandler(std::shared_ptr<const ProbeModules> modules, ProbeRouteOptions options = {});

}  // namespace runbookd::http
