#include "daemon/engine/incident_manager.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "config/node.hpp"
#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/rules/rule_parser.hpp"
#include "daemon/store/store.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/unit/store_fault_vfs.hpp"

using namespace runbookd;
using namespace std::chrono_literals;

namespace {

std::vector<rules::Rule> Rules(const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "rules.yaml", diags);
  auto parsed = rules::ParseRules(doc.root()["rules"], {"api"});
  REQUIRE(diags.Format().empty());
  return parsed;
}

// The manager with a real store and writer on a temp file, driven by one io_context.
struct Harness {
  testing::TempDir dir;
  testing::ManualClock clock;
  boost::asio::io_context io;
  DaemonMetrics metrics{"test"};
  std::unique_ptr<store::StoreWriter> writer;
  std::unique_ptr<IncidentManager> manager;

  explicit Harness(const std::string& rules_yaml) {
    auto opened = store::Store::Open(dir.path() + "/runbookd.db", store::OpenOptions{.vfs = testing::FaultVfsName()});
    REQUIRE(opened.ok());
    writer = std::make_unique<store::StoreWriter>(std::move(*opened), io.get_executor());
    manager = std::make_unique<IncidentManager>(io.get_executor(), clock, *writer, metrics,
                                                std::make_shared<spdlog::logger>("test"));
    ScheduledProbe api;
    api.name = "api";
    api.type = "tcp";
    manager->SetProbes({api});
    manager->SetRules(Rules(rules_yaml));
  }
  ~Harness() {
    testing::SetStoreWritesFail(false);
    writer->Stop();
  }

  void Probe(ProbeStatus status) {
    ProbeView v{"api", "tcp", status, 1, status};
    v.last = status == ProbeStatus::kHealthy ? ProbeResult::Healthy()
                                             : ProbeResult::Unhealthy(ProbeReason::kConnectionRefused, "refused");
    manager->OnProbeResult(v);
    Drain();
  }
  // Runs handlers until the writer has nothing in flight and nothing is left to run.
  void Drain() {
    for (int i = 0; i < 200; ++i) {
      io.restart();
      if (io.run_for(10ms) == 0) return;
    }
  }
  std::vector<store::IncidentRecord> Incidents() {
    std::optional<store::Result<std::vector<store::IncidentRecord>>> out;
    manager->ListIncidents(store::IncidentFilter{}, [&](auto r) { out = std::move(r); });
    Drain();
    REQUIRE(out.has_value());
    REQUIRE(out->ok());
    return out->value();
  }
};

const char* kProbeRule = R"(rules:
  - name: APIEndpointDown
    severity: critical
    when: { probe: api, status: unhealthy }
    resolve_after: 0s
)";

store::AlertRecord Alert(store::AlertStatus status, WallTime starts_at) {
  store::AlertRecord a;
  a.fingerprint = "725cd57bece34f10";
  a.starts_at = starts_at;
  a.status = status;
  a.labels = {{"alertname", "APIEndpointDown"}};
  if (status == store::AlertStatus::kResolved) a.ends_at = starts_at + 1min;
  a.seen_at = starts_at;
  return a;
}

}  // namespace

TEST_CASE("incident events that the store refused are retried in order: one incident, no phantom",
          "[incidents][store]") {
  Harness h(kProbeRule);
  testing::SetStoreWritesFail(true);
  h.Probe(ProbeStatus::kUnhealthy);  // opens the incident in memory; its write fails
  CHECK(h.writer->stats().failed_batches >= 1);
  testing::SetStoreWritesFail(false);
  h.Probe(ProbeStatus::kUnhealthy);  // the next evaluation flushes what was left behind
  auto incidents = h.Incidents();
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0].state == store::IncidentState::kOpen);

  h.Probe(ProbeStatus::kHealthy);  // resolves, and that write lands on the same row
  incidents = h.Incidents();
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0].state == store::IncidentState::kResolved);
}

TEST_CASE("a firing delivery after the resolved one does not reopen the alert", "[incidents][alerts]") {
  Harness h(R"(rules:
  - name: APIEndpointDown
    severity: critical
    when: { alert: { alertname: APIEndpointDown } }
)");
  const WallTime t0 = h.clock.WallNow();
  std::vector<bool> ok;
  h.manager->IngestAlerts({Alert(store::AlertStatus::kResolved, t0)}, [&](store::Status s) { ok.push_back(s.ok()); });
  h.Drain();
  h.manager->IngestAlerts({Alert(store::AlertStatus::kFiring, t0)}, [&](store::Status s) { ok.push_back(s.ok()); });
  h.Drain();
  CHECK(ok == std::vector<bool>{true, true});
  CHECK(h.Incidents().empty());
  // A new instance (a later startsAt) does fire.
  h.manager->IngestAlerts({Alert(store::AlertStatus::kFiring, t0 + 10min)}, [&](store::Status) {});
  h.Drain();
  CHECK(h.Incidents().size() == 1);
}
