#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/router.hpp"

namespace runbookd::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Prometheus text format 0.0.4 of everything the collectables hold (prometheus-cpp's
// TextSerializer). Families of the same name from different collectables are merged into one
// block, since the format allows each name's HELP/TYPE only once.
std::string RenderMetrics(const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables);

// A GET /metrics handler over a fixed list of collectables (prometheus::Registry is one).
Handler MakeMetricsHandler(std::vector<std::shared_ptr<const prometheus::Collectable>> collectables);

// The standard process metrics of client_golang's process collector, read from /proc/self on
// every collection: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds, process_max_fds.
// A value that cannot be read is left out rather than reported as 0.
class ProcessCollector final : public prometheus::Collectable {
 public:
  // `proc_dir` is the process's /proc directory; tests may point it elsewhere.
  explicit ProcessCollector(std::string proc_dir = "/proc/self");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string proc_dir_;
};

}  // namespace runbookd::http
