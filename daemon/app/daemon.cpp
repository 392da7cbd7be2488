#include "daemon/app/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <csignal>

#include "daemon/app/logging.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/http/metrics.hpp"
#include "daemon/http/probe_route.hpp"
#include "daemon/http/router.hpp"
#include "daemon/http/server.hpp"

namespace runbookd {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kVersion = RUNBOOKD_VERSION;
// SIGTERM must end the process within 10 s (CONTRACT.md); running probes get most of it.
constexpr std::chrono::seconds kShutdownGrace{8};

double UnixNow() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string Rfc3339(WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object ProbeViewJson(const ProbeView& v) {
  json::object o;
  o["name"] = v.name;
  o["type"] = v.type;
  o["state"] = std::string(ToString(v.state));
  o["streak"] = v.streak;
  o["runs"] = v.runs;
  o["skipped"] = v.skipped;
  if (v.last) {
    json::object last;
    last["status"] = std::string(ToString(v.last->status));
    last["reason"] = std::string(ToString(v.last->reason));
    last["detail"] = v.last->detail;
    last["duration_seconds"] = std::chrono::duration<double>(v.last->duration).count();
    last["at"] = Rfc3339(v.last_run);
    json::object obs;
    for (const auto& [name, value] : v.last->observations) obs[name] = value;
    last["observations"] = std::move(obs);
    o["last"] = std::move(last);
  } else {
    o["last"] = nullptr;
  }
  return o;
}

}  // namespace

struct Daemon::Generation {
  Settings settings;
  std::shared_ptr<ProbeRunner> runner;
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
  gen->settings = LoadSettings(config_file_, registry_, deps, diagnostics);
  if (!diagnostics.empty()) return nullptr;
  gen->runner = std::make_shared<ProbeRunner>(io_.get_executor(), clock_, metrics_, logger_, gen->settings.probes);
  gen->router = MakeRouter(*gen);
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
  server_->SetRouter(next->router);
  next->runner->Start();
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
  shutdown_deadline_ = std::chrono::steady_clock::now() + kShutdownGrace;
  FinishShutdownWhenIdle();
}

// Polls (every 50 ms, bounded by the grace period) until probe runs and requests have ended.
void Daemon::FinishShutdownWhenIdle() {
  const bool idle = (!live_ || live_->runner->in_flight() == 0) && server_->open_connections() == 0;
  if (idle || std::chrono::steady_clock::now() >= shutdown_deadline_) {
    if (!idle) logger_->warn("stopping with work still in flight after {}s", kShutdownGrace.count());
    io_.stop();
    return;
  }
  shutdown_timer_.expires_after(std::chrono::milliseconds(50));
  shutdown_timer_.async_wait([this](const boost::system::error_code&) { FinishShutdownWhenIdle(); });
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
  notifier_.Ready(StatusLine());
  io_.run();
  logger_->info("stopped");
  return 0;
}

}  // namespace runbookd
