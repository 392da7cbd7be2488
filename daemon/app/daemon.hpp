#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "daemon/app/settings.hpp"
#include "daemon/app/systemd_notifier.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/registry.hpp"
#include "daemon/engine/blocking_pool.hpp"
#include "daemon/engine/daemon_metrics.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

namespace http {
class Router;
class Server;
}  // namespace http
namespace store {
class StoreWriter;
}  // namespace store
class IncidentManager;
class ActionRunner;
class GatedActions;
namespace gates {
class ApprovalBook;
class SilenceBook;
}  // namespace gates

// The running daemon: one io_context thread for everything (ARCHITECTURE.md §4). A config
// generation (settings, probes, router) is built beside the live one and swapped in only when
// it is complete, so a broken reload leaves the old one serving.
class Daemon {
 public:
  Daemon(std::string config_file, Registry registry, std::shared_ptr<spdlog::logger> logger);
  ~Daemon();

  // Loads the config, binds, serves until SIGTERM/SIGINT. Returns the process exit code.
  int Run();

  struct ReloadOutcome {
    bool ok = false;
    std::string errors;  // formatted diagnostics when !ok
  };
  ReloadOutcome Reload();

 private:
  struct Generation;
  std::unique_ptr<Generation> Build(config::Diagnostics& diagnostics);
  std::shared_ptr<const http::Router> MakeRouter(const Generation& gen);
  void Activate(std::unique_ptr<Generation> next);
  bool OpenStore(const std::string& path);
  void WaitForSignals();
  void StartWatchdog();
  void BeginShutdown();
  void FinishShutdownWhenIdle();
  std::string StatusLine() const;

  std::string config_file_;
  Registry registry_;
  std::shared_ptr<spdlog::logger> logger_;
  SystemClock clock_;
  DaemonMetrics metrics_;
  SystemdNotifier notifier_;
  boost::asio::io_context io_;
  // Blocking libraries (librdkafka's metadata call) run here; after io_, so it is stopped first.
  ThreadBlockingPool blocking_{2, 8};
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer shutdown_timer_;
  std::unique_ptr<store::StoreWriter> writer_;
  std::unique_ptr<IncidentManager> incidents_;      // after writer_: destroyed before it
  std::unique_ptr<ActionRunner> actions_;           // after writer_: destroyed before it
  std::unique_ptr<gates::ApprovalBook> approvals_;  // after writer_: destroyed before it
  std::unique_ptr<gates::SilenceBook> silences_;    // after writer_: destroyed before it
  std::unique_ptr<GatedActions> gated_;             // after the books: destroyed before them
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<Generation> live_;
  bool ready_ = false;
  bool stopping_ = false;
  SteadyTime shutdown_deadline_{};
};

}  // namespace runbookd
