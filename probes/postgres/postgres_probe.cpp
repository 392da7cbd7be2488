#include "probes/postgres/postgres_probe.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/postgres/postgres_config.hpp"
#include "probes/postgres/pq_connection.hpp"
#include "probes/postgres/pq_diagnosis.hpp"
#include "probes/postgres/server_stats.hpp"

namespace runbookd::probes::postgres {

namespace asio = boost::asio;
using runbookd::postgres::ConnectionKeywords;
using runbookd::postgres::ConnectOutcome;
using runbookd::postgres::PostgresCheck;
using runbookd::postgres::PqConnection;
using runbookd::postgres::ProbeMode;
using runbookd::postgres::QueryOutcome;
using runbookd::postgres::Verdict;

namespace {

void Conclude(ProbeResult& result, Verdict verdict) {
  result.Observe("up", verdict.up ? 1 : 0);
  result.Conclude(verdict.status, verdict.reason, std::move(verdict.detail));
}

class PostgresProbe final : public Probe {
 public:
  explicit PostgresProbe(PostgresCheck check) : check_(std::move(check)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    result.Observe("up", 0);
    std::string hostaddr;
    std::string peer = check_.host;
    if (!check_.unix_socket()) {
      // libpq would resolve a name with a blocking getaddrinfo; it gets the address instead.
      const dns::AddressChoice ipv4_first;
      const dns::ResolvedHost resolved = co_await dns::ResolveHost(ctx.executor, check_.host, ipv4_first, ctx.deadline);
      if (resolved.status != dns::ResolvedHost::Status::kOk) {
        dns::ConcludeUnresolved(resolved, result);
        co_return;
      }
      hostaddr = resolved.address.to_string();
      peer = dns::JoinHostPort(hostaddr, check_.port);
    }

    const ConnectionKeywords keywords = runbookd::postgres::MakeConnectionKeywords(check_, hostaddr);
    PqConnection connection(ctx.executor);
    const auto connect_start = std::chrono::steady_clock::now();
    const ConnectOutcome connected = co_await connection.Connect(keywords, ctx.deadline);
    if (connected.status != ConnectOutcome::Status::kConnected) {
      Conclude(result, runbookd::postgres::JudgeFailedConnect(connected, check_.mode, peer));
      co_return;
    }
    result.Observe("up", 1);
    result.Observe("connect_seconds",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - connect_start).count());
    if (check_.mode == ProbeMode::kPing) {
      result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, peer + " accepts connections");
      co_return;
    }

    const QueryOutcome answered = co_await connection.QueryRow(runbookd::postgres::kServerStatsQuery, ctx.deadline);
    if (answered.status != QueryOutcome::Status::kOk) {
      Conclude(result, runbookd::postgres::JudgeFailedQuery(answered, peer));
      co_return;
    }
    const auto stats = runbookd::postgres::ParseServerStats(answered.row);
    if (!stats) {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kProtocolError,
                      peer + " answered the statistics query with an unexpected row");
      co_return;
    }
    runbookd::postgres::AssessServerStats(*stats, {check_.connection_headroom, check_.max_replica_lag}, peer, result);
  }

  const PostgresCheck check_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps&) -> std::unique_ptr<Probe> {
    auto check = runbookd::postgres::ReadPostgresSpec(spec);
    if (!check) return nullptr;
    return std::make_unique<PostgresProbe>(std::move(*check));
  };
}

}  // namespace runbookd::probes::postgres
