// Alert-to-action latency of the gated pipeline for an auto-approved action: from handing an
// Alertmanager alert to the incident manager to the action's Execute being called, with the real
// store (SQLite, WAL, synchronous=FULL, group commit) and every stage of the pipeline. The action
// itself makes no API call, so its own time is excluded. Not a test: figures go to
// docs/performance.md.
//
//   bench_alert_to_action [alerts=500] [store_dir=/tmp]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/engine/action_pipeline.hpp"
#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/engine/incident_manager.hpp"
#include "daemon/rules/rule_parser.hpp"
#include "daemon/store/store.hpp"
#include "daemon/store/store_writer.hpp"

using namespace runbookd;
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {

// Plans and executes at once; records when Execute was reached.
class MarkAction final : public Action {
 public:
  std::vector<Steady::time_point>* reached = nullptr;
  ActionRisk risk() const override { return ActionRisk::kReversible; }
  asio::awaitable<ActionPlan> Plan(const ActionContext&, const ActionParams&) const override {
    ActionPlan plan;
    plan.type = "mark";
    plan.target = "bench/mark";
    plan.summary = "mark";
    plan.observed = boost::json::array{{{"kind", "Nothing"}}};
    co_return plan;
  }
  asio::awaitable<Outcome> Execute(const ActionContext&, const ActionPlan&) const override {
    reached->push_back(Steady::now());
    co_return Outcome::Ok("marked");
  }
};

const char* kRules = R"(rules:
  - name: APIEndpointDown
    severity: critical
    when: { alert: { alertname: APIEndpointDown } }
    group_by: [instance]
    then: [ { action: mark } ]
)";

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const int alerts = argc > 1 ? std::atoi(argv[1]) : 500;
  const std::string dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path().string();
  const std::string path = dir + "/bench-alert-to-action-" + std::to_string(::getpid()) + ".db";
  auto logger = std::make_shared<spdlog::logger>("bench");  // no sinks: logging costs nothing here
  SystemClock clock;
  asio::io_context io;
  DaemonMetrics metrics("bench");
  auto opened = store::Store::Open(path);
  if (!opened) {
    std::fprintf(stderr, "store: %s\n", opened.error().message.c_str());
    return 1;
  }
  store::StoreWriter writer(std::move(*opened), io.get_executor());
  IncidentManager incidents(io.get_executor(), clock, writer, metrics, logger);
  ActionRunner runner(io.get_executor(), clock, writer, metrics, logger);
  ActionPipeline pipeline(io.get_executor(), clock, runner, metrics, logger);

  config::Diagnostics diags;
  auto doc = config::Document::Parse(kRules, "bench.yaml", diags);
  auto rules = rules::ParseRules(doc.root()["rules"], {});
  incidents.SetRules(rules);
  auto action = std::make_shared<MarkAction>();
  std::vector<Steady::time_point> reached;
  action->reached = &reached;
  PipelineSettings settings;
  settings.bake_time = std::chrono::milliseconds(1);
  settings.actions["mark"] =
      PipelineAction{"mark", "mark", action, ActionRisk::kReversible, false, false, std::chrono::seconds(10), {}};
  for (const auto& r : rules) settings.rules[r.name] = r;
  pipeline.SetSettings(settings);
  PipelinePorts ports;  // every gate allows (an auto-approved action); the incident view is live
  ports.incident = [&](const IncidentKey& key) -> std::optional<IncidentView> {
    auto v = incidents.Find(key);
    if (!v || v->id == 0) return std::nullopt;
    IncidentView out;
    out.id = v->id;
    out.matching = v->matching;
    out.suppressed_by = v->suppressed_by;
    return out;
  };
  pipeline.SetPorts(ports);
  incidents.SetEventObserver([&](const IncidentEvent& e, store::IncidentId id) { pipeline.OnIncidentEvent(e, id); });
  incidents.Start();

  std::vector<double> latencies_ms;
  for (int i = 0; i < alerts; ++i) {
    store::AlertRecord a;
    a.fingerprint = "fp" + std::to_string(i);
    a.starts_at = clock.WallNow();
    a.status = store::AlertStatus::kFiring;
    a.labels = {{"alertname", "APIEndpointDown"}, {"instance", "web-" + std::to_string(i)}};
    a.receiver = "runbookd";
    a.group_key = "{}";
    a.seen_at = a.starts_at;
    const size_t before = reached.size();
    const auto start = Steady::now();
    incidents.IngestAlerts({a}, [](store::Status) {});
    const auto give_up = Steady::now() + std::chrono::seconds(10);
    while (reached.size() == before && Steady::now() < give_up) io.run_one_for(std::chrono::milliseconds(100));
    if (reached.size() == before) {
      std::fprintf(stderr, "alert %d: the action did not run within 10 s\n", i);
      return 1;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(reached.back() - start).count());
    // Unmeasured: the run's outcome and verification end before the next alert, whose action acts
    // on the same target and would otherwise be refused by the dedup stage (one run per target).
    const auto settle = Steady::now() + std::chrono::seconds(10);
    while (pipeline.sequences_running() > 0 && Steady::now() < settle) io.run_one_for(std::chrono::milliseconds(100));
  }
  incidents.Stop();
  pipeline.Stop();
  writer.Stop();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  std::printf("alerts %d: alert-to-action latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", alerts,
              Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.90), Percentile(latencies_ms, 0.99),
              Percentile(latencies_ms, 1.0));
  return 0;
}
