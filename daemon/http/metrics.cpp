#include "daemon/http/metrics.hpp"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

namespace runbookd::http {
namespace {

prometheus::MetricFamily Single(std::string name, std::string help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {m}};
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<double> ToNumber(std::string_view text) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr == text.data()) return std::nullopt;
  return v;
}

// Fields of /proc/<pid>/stat after "(comm)": index 0 is field 3 (state) of proc(5). comm may hold
// spaces and parentheses, so the split starts after the last ')'.
std::vector<std::string_view> StatFields(std::string_view stat) {
  std::vector<std::string_view> fields;
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return fields;
  stat.remove_prefix(close + 1);
  size_t i = 0;
  while (i < stat.size()) {
    while (i < stat.size() && (stat[i] == ' ' || stat[i] == '\n')) ++i;
    size_t j = i;
    while (j < stat.size() && stat[j] != ' ' && stat[j] != '\n') ++j;
    if (j > i) fields.push_back(stat.substr(i, j - i));
    i = j;
  }
  return fields;
}

// Boot time (seconds since the epoch) from /proc/stat's "btime" line.
std::optional<double> BootTime() {
  auto stat = ReadFile("/proc/stat");
  if (!stat) return std::nullopt;
  std::istringstream in(*stat);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return ToNumber(std::string_view(line).substr(6));
  }
  return std::nullopt;
}

// The soft "Max open files" limit from /proc/<pid>/limits.
std::optional<double> MaxFds(const std::string& proc_dir) {
  auto limits = ReadFile(proc_dir + "/limits");
  if (!limits) return std::nullopt;
  std::istringstream in(*limits);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    std::string soft;
    fields >> soft;
    if (soft == "unlimited") return std::numeric_limits<double>::infinity();
    return ToNumber(soft);
  }
  return std::nullopt;
}

std::optional<double> OpenFds(const std::string& proc_dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc_dir + "/fd", ec);
  if (ec) return std::nullopt;
  double n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  return n;
}

}  // namespace

std::string RenderMetrics(const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  std::map<std::string, size_t> index;
  for (const auto& c : collectables) {
    if (!c) continue;
    for (auto& f : c->Collect()) {
      auto [it, fresh] = index.emplace(f.name, families.size());
      if (fresh) {
        families.push_back(std::move(f));
      } else if (families[it->second].type == f.type) {
        auto& into = families[it->second].metric;
        into.insert(into.end(), std::make_move_iterator(f.metric.begin()), std::make_move_iterator(f.metric.end()));
      }
      // Same name, different type: a wiring bug; the first one wins so the output stays valid.
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

Handler MakeMetricsHandler(std::vector<std::shared_ptr<const prometheus::Collectable>> collectables) {
  return [collectables = std::move(collectables)](const Request&) -> boost::asio::awaitable<Response> {
    co_return Response::Text(200, RenderMetrics(collectables), std::string(kMetricsContentType));
  };
}

ProcessCollector::ProcessCollector(std::string proc_dir) : proc_dir_(std::move(proc_dir)) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  if (auto stat = ReadFile(proc_dir_ + "/stat")) {
    // proc(5) field numbers minus 3: utime 14, stime 15, starttime 22, vsize 23, rss 24.
    auto f = StatFields(*stat);
    if (f.size() > 21) {
      auto utime = ToNumber(f[11]), stime = ToNumber(f[12]);
      auto start = ToNumber(f[19]), vsize = ToNumber(f[20]), rss = ToNumber(f[21]);
      if (utime && stime && ticks > 0) {
        out.push_back(Single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                             MetricType::Counter, (*utime + *stime) / ticks));
      }
      if (rss && page > 0) {
        out.push_back(
            Single("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge, *rss * page));
      }
      if (vsize) {
        out.push_back(
            Single("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge, *vsize));
      }
      auto boot = BootTime();
      if (start && boot && ticks > 0) {
        out.push_back(Single("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                             MetricType::Gauge, *boot + *start / ticks));
      }
    }
  }
  if (auto fds = OpenFds(proc_dir_)) {
    out.push_back(Single("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
  }
  if (auto max = MaxFds(proc_dir_)) {
    out.push_back(Single("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, *max));
  }
  return out;
}

}  // namespace runbookd::http
