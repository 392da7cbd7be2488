#include "daemon/app/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <csignal>

#include "daemon/app/acknowledge_route.hpp"
#include "daemon/app/actions_route.hpp"
#include "daemon/app/api_json.hpp"
#include "daemon/app/approvals_route.hpp"
#include "daemon/app/gated_actions.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/silences_route.hpp"
#include "daemon/app/slack_route.hpp"
#include "daemon/engine/action_runner.hpp"
#include "daemon/engine/incident_manager.hpp"
#include "daemon/engine/rollout_watcher.hpp"
#include "daemon/gates/approval_book.hpp"
#include "daemon/gates/silence_book.hpp"
#include "daemon/http/alerts_route.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/http/metrics.hpp"
#include "daemon/http/probe_route.hpp"
#include "daemon/http/router.hpp"
#include "daemon/http/server.hpp"
#include "daemon/store/store.hpp"
#include "daemon/store/store_writer.hpp"

namespace runbookd {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kVersion = RUNBOOKD_VERSION;
// SIGTERM must end the process within 10 s (CONTRACT.md); running probes get most of it.
constexpr std::chrono::seconds kShutdownGrace{8};

// Bridges a callback API of the event loop into a coroutine.
template <typename T, typename Start>
asio::awaitable<T> Await(Start start) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([h](T value) { std::move (*h)(std::move(value)); });
      },
      asio::use_awaitable);
}

http::Response StoreError(const store::Error& e) { return http::Response::Error(503, "store_unavailable", e.message); }

double UnixNow() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

struct Daemon::Generation {
  Settings settings;
  std::shared_ptr<ProbeRunner> runner;
  std::unique_ptr<RolloutWatcher> rollouts;  // null when no rule names a rollout
  std::shared_ptr<const http::Router> router;
};

Daemon::Daemon(std::string config_file, Registry registry, std::shared_ptr<spdlog::logger> logger)
    : config_file_(std::move(config_file)),
      registry_(std::move(registry)),
      logger_(std::move(logger)),
      metrics_(kVersion),
      signals_(io_, SIGHUP, SIGTERM, SIGINT),
      watchdog_timer_(io_),
      shutdown_timer_(io_) {}

Daemon::~Daemon() = default;

std::unique_ptr<Daemon::Generation> Daemon::Build(config::Diagnostics& diagnostics) {
  auto gen = std::make_unique<Generation>();
  ProbeDeps deps{&clock_, logger_};
  deps.blocking = &blocking_;
  gen->settings = LoadSettings(config_file_, registry_, deps, diagnostics);
  if (!diagnostics.empty()) return nullptr;
  gen->runner = std::make_shared<ProbeRunner>(io_.get_executor(), clock_, metrics_, logger_, gen->settings.probes);
  gen->router = MakeRouter(*gen);
  if (auto targets = rules::RolloutTargets(gen->settings.rules); !targets.empty()) {
    gen->rollouts = std::make_unique<RolloutWatcher>(
        io_.get_executor(), clock_, logger_, std::move(targets), gen->settings.connections.kubernetes,
        [this](const RolloutWatcher::Facts& facts) { incidents_->SetRollouts(facts); });
  }
  return gen;
}

std::shared_ptr<const http::Router> Daemon::MakeRouter(const Generation& gen) {
  std::vector<http::TokenConfig> tokens;
  for (const auto& t : gen.settings.tokens) tokens.push_back({t.name, *http::ParseRole(t.role), t.token});
  auto router = std::make_shared<http::Router>(std::make_shared<const http::Authenticator>(std::move(tokens)));

  router->Add("GET", "/metrics", std::nullopt,
              http::MakeMetricsHandler({metrics_.registry(), std::make_shared<http::ProcessCollector>()}));
  router->Add("GET", "/-/healthy", std::nullopt, [](const http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::Text(200, "Healthy.\n", "text/plain; charset=utf-8");
  });
  router->Add("GET", "/-/ready", std::nullopt, [this](const http::Request&) -> asio::awaitable<http::Response> {
    if (!ready_ || stopping_) co_return http::Response::Error(503, "not_ready", "runbookd is not ready");
    co_return http::Response::Text(200, "Ready.\n", "text/plain; charset=utf-8");
  });
  router->Add("POST", "/-/reload", http::Role::kAdmin, [this](const http::Request&) -> asio::awaitable<http::Response> {
    auto outcome = Reload();
    if (!outcome.ok) co_return http::Response::Error(500, "reload_failed", outcome.errors);
    co_return http::Response::Json(200, json::object{{"status", "reloaded"}});
  });

  auto modules = std::make_shared<http::ProbeModules>();
  for (const auto& [name, m] : gen.settings.modules)
    modules->emplace(name, http::ProbeModule{m.prober, m.timeout, m.build});
  router->Add("GET", "/probe",
              gen.settings.server.probe_requires_auth ? std::optional(http::Role::kReader) : std::nullopt,
              http::MakeProbeHandler(modules, http::ProbeRouteOptions{.log = logger_}));

  http::AlertsRouteOptions alerts_options;
  alerts_options.count_received = [this](std::string_view status, size_t n) {
    metrics_.RecordAlertsReceived(status, n);
  };
  router->Add("POST", "/api/v1/alerts", http::Role::kWebhook,
              http::MakeAlertsHandler(
                  [this](std::vector<store::AlertRecord> alerts, std::function<void(store::Status)> done) {
                    incidents_->IngestAlerts(std::move(alerts), std::move(done));
                  },
                  logger_, std::move(alerts_options)));
  router->Add("GET", "/api/v1/incidents", http::Role::kReader,
              [this](const http::Request& req) -> asio::awaitable<http::Response> {
                store::IncidentFilter filter;
                const std::string_view state = req.Query("state");
                if (!state.empty()) {
                  auto parsed = store::ParseIncidentState(state);
                  if (!parsed) {
                    co_return http::Response::Error(400, "bad_request",
                                                    "state: expected open, mitigating, resolved or escalated");
                  }
                  filter.states.push_back(*parsed);
                } else if (req.Query("all").empty()) {
                  filter.states = {store::IncidentState::kOpen, store::IncidentState::kMitigating,
                                   store::IncidentState::kEscalated};
                }
                // Named, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
                auto list = Await<store::Result<std::vector<store::IncidentRecord>>>(
                    [this, filter](auto done) { incidents_->ListIncidents(filter, std::move(done)); });
                auto result = co_await std::move(list);
                if (!result) co_return StoreError(result.error());
                json::array items;
                for (const auto& r : *result) items.push_back(IncidentJson(r));
                co_return http::Response::Json(200, json::object{{"incidents", std::move(items)}});
              });
  router->Add("GET", "/api/v1/incidents/{id}", http::Role::kReader,
              [this](const http::Request& req) -> asio::awaitable<http::Response> {
                const std::string& raw = req.path_params.at("id");
                const auto parsed = ParsePathId(raw);
                if (!parsed)
                  co_return http::Response::Error(400, "bad_request", "incident id must be a positive integer");
                const store::IncidentId id = *parsed;
                auto get = Await<store::Result<std::optional<store::IncidentDetail>>>(
                    [this, id](auto done) { incidents_->GetIncident(id, std::move(done)); });
                auto result = co_await std::move(get);
                if (!result) co_return StoreError(result.error());
                if (!*result) co_return http::Response::Error(404, "not_found", "no incident " + raw);
                co_return http::Response::Json(200, IncidentDetailJson(**result));
              });

  router->Add("POST", "/api/v1/incidents/{id}/acknowledge", http::Role::kApprover,
              MakeAcknowledgeHandler([this]() -> GatedActions& { return *gated_; }));

  router->Add("POST", "/api/v1/actions/{name}/run", http::Role::kOperator,
              MakeRunActionHandler(std::make_shared<const std::vector<ActionSettings>>(gen.settings.actions),
                                   [this]() -> ActionPipeline& { return gated_->pipeline(); }));

  const auto approvals = [this]() -> gates::ApprovalBook& { return *approvals_; };
  router->Add("GET", "/api/v1/approvals", http::Role::kReader, MakeListApprovalsHandler(approvals));
  router->Add("POST", "/api/v1/approvals/{id}/approve", http::Role::kApprover,
              MakeVoteHandler(approvals, clock_, store::ApprovalVerdict::kApprove));
  router->Add("POST", "/api/v1/approvals/{id}/deny", http::Role::kApprover,
              MakeVoteHandler(approvals, clock_, store::ApprovalVerdict::kDeny));
  auto slack_secrets = std::make_shared<std::vector<config::Secret>>();
  for (const auto& n : gen.settings.notifiers) {
    if (n.slack_signing_secret) slack_secrets->push_back(*n.slack_signing_secret);
  }
  router->Add("POST", "/api/v1/slack/interactions", std::nullopt,
              MakeSlackInteractionHandler(std::move(slack_secrets), approvals, clock_));
  const auto silences = [this]() -> gates::SilenceBook& { return *silences_; };
  router->Add("GET", "/api/v1/silences", http::Role::kOperator, MakeListSilencesHandler(silences, clock_));
  router->Add("POST", "/api/v1/silences", http::Role::kOperator, MakeAddSilenceHandler(silences, clock_));
  router->Add("DELETE", "/api/v1/silences/{id}", http::Role::kOperator, MakeExpireSilenceHandler(silences, clock_));

  // The runner of the generation being built: the route answers for the probes it runs.
  std::weak_ptr<ProbeRunner> runner = gen.runner;
  router->Add("GET", "/api/v1/probes", http::Role::kReader,
              [runner](const http::Request&) -> asio::awaitable<http::Response> {
                json::array probes;
                if (auto r = runner.lock()) {
                  for (const auto& v : r->views()) probes.push_back(ProbeViewJson(v));
                }
                co_return http::Response::Json(200, json::object{{"probes", std::move(probes)}});
              });
  return router;
}

void Daemon::Activate(std::unique_ptr<Generation> next) {
  if (live_) {
    next->runner->Inherit(*live_->runner);
    live_->runner->Stop();
    if (live_->rollouts) live_->rollouts->Stop();
    for (const auto& old : live_->settings.probes) {
      bool kept = false;
      for (const auto& p : next->settings.probes) kept = kept || (p.name == old.name && p.type == old.type);
      if (!kept) metrics_.ForgetProbe(old.name, old.type);
    }
    if (next->settings.server.listen != live_->settings.server.listen) {
      logger_->warn("server.listen changed to {}; it takes effect at the next restart", next->settings.server.listen);
    }
    ReconfigureLogger(*logger_, next->settings.log.level, next->settings.log.format);
  }
  incidents_->SetProbes(next->settings.probes);
  incidents_->SetRules(next->settings.rules);
  gated_->Configure(GatedActions::Config{next->settings.gates, next->settings.server.dry_run, next->settings.actions,
                                         next->settings.rules, next->settings.notifiers, next->settings.escalation});
  next->runner->SetListener([this](const ProbeView& view) { incidents_->OnProbeResult(view); });
  if (live_ && next->settings.store.path != live_->settings.store.path) {
    logger_->warn("store.path changed to {}; it takes effect at the next restart", next->settings.store.path);
  }
  server_->SetRouter(next->router);
  next->runner->Start();
  if (!next->rollouts) incidents_->SetRollouts({});
  if (next->rollouts) next->rollouts->Start();
  live_ = std::move(next);
}

Daemon::ReloadOutcome Daemon::Reload() {
  notifier_.Reloading();
  config::Diagnostics diagnostics;
  auto next = Build(diagnostics);
  ReloadOutcome outcome;
  if (next) {
    Activate(std::move(next));
    metrics_.RecordReload(true, UnixNow());
    logger_->info("configuration reloaded from {}", config_file_);
    outcome.ok = true;
  } else {
    metrics_.RecordReload(false, UnixNow());
    outcome.errors = diagnostics.Format();
    logger_->error("reload failed; still running the previous configuration:\n{}", outcome.errors);
  }
  notifier_.Ready(StatusLine());
  return outcome;
}

std::string Daemon::StatusLine() const {
  if (!live_) return "starting";
  size_t healthy = 0;
  for (const auto& v : live_->runner->views()) healthy += v.state == ProbeStatus::kHealthy ? 1 : 0;
  return std::to_string(live_->settings.probes.size()) + " probes, " + std::to_string(healthy) + " healthy";
}

void Daemon::WaitForSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      logger_->info("SIGHUP: reloading {}", config_file_);
      Reload();
      WaitForSignals();
      return;
    }
    logger_->info("{}: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    BeginShutdown();
  });
}

void Daemon::StartWatchdog() {
  auto timeout = SystemdNotifier::WatchdogTimeout();
  if (!timeout) return;
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout / 2);
  watchdog_timer_.expires_after(period);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    notifier_.Watchdog();
    notifier_.Status(StatusLine());
    StartWatchdog();
  });
}

void Daemon::BeginShutdown() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.Stopping();
  signals_.cancel();
  watchdog_timer_.cancel();
  server_->Stop();
  if (live_) live_->runner->Stop();
  if (live_ && live_->rollouts) live_->rollouts->Stop();
  incidents_->Stop();
  gated_->Stop();
  approvals_->Stop();
  shutdown_deadline_ = std::chrono::steady_clock::now() + kShutdownGrace;
  FinishShutdownWhenIdle();
}

// Polls (every 50 ms, bounded by the grace period) until probe runs and requests have ended.
void Daemon::FinishShutdownWhenIdle() {
  const bool idle = (!live_ || live_->runner->in_flight() == 0) && server_->open_connections() == 0 &&
                    (!actions_ || actions_->in_flight() == 0);
  if (idle || std::chrono::steady_clock::now() >= shutdown_deadline_) {
    if (!idle) logger_->warn("stopping with work still in flight after {}s", kShutdownGrace.count());
    writer_->Stop();  // commits what is queued
    io_.stop();
    return;
  }
  shutdown_timer_.expires_after(std::chrono::milliseconds(50));
  shutdown_timer_.async_wait([this](const boost::system::error_code&) { FinishShutdownWhenIdle(); });
}

// Opens the store (refusing a foreign or newer file, which is left untouched), reads what the
// previous run left open, and hands the store to its writer thread.
bool Daemon::OpenStore(const std::string& path) {
  auto opened = store::Store::Open(path);
  if (!opened) {
    std::fprintf(stderr, "runbookd: cannot start: %s\n", opened.error().message.c_str());
    return false;
  }
  // A run the previous process did not finish is never repeated blindly: it is marked, then put
  // on its incident's timeline and announced (GatedActions::Start).
  auto interrupted = opened->MarkInterruptedIntents(clock_.WallNow());
  if (!interrupted) {
    std::fprintf(stderr, "runbookd: cannot start: reading %s: %s\n", path.c_str(), interrupted.error().message.c_str());
    return false;
  }
  auto open_incidents = opened->LoadOpenIncidents();
  auto firing = opened->ListFiringAlerts();
  if (!open_incidents || !firing) {
    const auto& e = !open_incidents ? open_incidents.error() : firing.error();
    std::fprintf(stderr, "runbookd: cannot start: reading %s: %s\n", path.c_str(), e.message.c_str());
    return false;
  }
  // An acknowledged incident's ladder stays stopped: the acknowledgement is on its timeline.
  std::map<store::IncidentId, WallTime> acknowledged;
  for (const auto& incident : *open_incidents) {
    auto detail = opened->GetIncident(incident.id);
    if (!detail || !*detail) continue;
    for (const auto& entry : (*detail)->timeline) {
      if (entry.source.starts_with(kAckSourcePrefix)) acknowledged.emplace(incident.id, entry.at);
    }
  }
  // Budgets in force outlive restarts: a crash loop must not hand out a fresh budget.
  auto budgets = opened->LoadBudgets();
  if (!budgets) {
    std::fprintf(stderr, "runbookd: cannot start: reading %s: %s\n", path.c_str(), budgets.error().message.c_str());
    return false;
  }
  // Approvals still waiting and silences not yet ended outlive restarts (timeout = deny still holds).
  auto pending_approvals = opened->ListPendingApprovals();
  auto current_silences = opened->ListSilences(store::SilenceFilter{.now = clock_.WallNow()});
  if (!pending_approvals || !current_silences) {
    const auto& e = !pending_approvals ? pending_approvals.error() : current_silences.error();
    std::fprintf(stderr, "runbookd: cannot start: reading %s: %s\n", path.c_str(), e.message.c_str());
    return false;
  }
  writer_ = std::make_unique<store::StoreWriter>(std::move(*opened), io_.get_executor());
  incidents_ = std::make_unique<IncidentManager>(io_.get_executor(), clock_, *writer_, metrics_, logger_);
  incidents_->Restore(*open_incidents, *firing);
  actions_ = std::make_unique<ActionRunner>(io_.get_executor(), clock_, *writer_, metrics_, logger_);
  approvals_ = std::make_unique<gates::ApprovalBook>(io_.get_executor(), *writer_, logger_);
  approvals_->SetPendingGauge([this](size_t n) { metrics_.SetApprovalsPending(n); });
  approvals_->Restore(std::move(*pending_approvals));
  silences_ = std::make_unique<gates::SilenceBook>(io_.get_executor(), *writer_, logger_);
  silences_->Restore(*current_silences);
  gated_ = std::make_unique<GatedActions>(io_.get_executor(), clock_, *writer_, *incidents_, *actions_, *approvals_,
                                          *silences_, metrics_, logger_);
  gated_->RestoreBudgets(std::move(*budgets));
  gated_->ReviewInterrupted(*interrupted);
  gated_->RestoreIncidents(*open_incidents, acknowledged);
  logger_->info("store {}: {} open incidents, {} firing alerts", path, open_incidents->size(), firing->size());
  return true;
}

int Daemon::Run() {
  config::Diagnostics diagnostics;
  auto first = Build(diagnostics);
  if (!first) {
    std::fputs(diagnostics.Format().c_str(), stderr);
    std::fprintf(stderr, "runbookd: cannot start: %zu error(s) in %s\n", diagnostics.items().size(),
                 config_file_.c_str());
    return 1;
  }
  ReconfigureLogger(*logger_, first->settings.log.level, first->settings.log.format);
  if (!OpenStore(first->settings.store.path)) return 1;
  const ServerSettings& s = first->settings.server;
  http::ServerOptions options;
  options.listen = s.listen;
  options.tls_cert_file = s.tls_cert_file;
  options.tls_key_file = s.tls_key_file;
  options.max_body_bytes = s.max_body_bytes;
  options.max_connections = s.max_connections;
  options.idle_timeout = s.idle_timeout;
  options.request_timeout = s.request_timeout;
  server_ = std::make_unique<http::Server>(io_.get_executor(), options, logger_);
  if (auto error = server_->Listen()) {
    std::fprintf(stderr, "runbookd: cannot start: %s\n", error->message.c_str());
    return 1;
  }
  Activate(std::move(first));
  metrics_.RecordReload(true, UnixNow());
  WaitForSignals();
  StartWatchdog();
  ready_ = true;
  logger_->info("runbookd {} listening on {} with {} probes and {} modules", kVersion, options.listen,
                live_->settings.probes.size(), live_->settings.modules.size());
  incidents_->Start();
  approvals_->Start(clock_);
  gated_->Start();
  notifier_.Ready(StatusLine());
  io_.run();
  blocking_.Stop();
  logger_->info("stopped");
  return 0;
}

}  // namespace runbookd
