#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "daemon/app/builtins.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/settings.hpp"

namespace {

int CheckConfig(const std::string& file) {
  using namespace runbookd;
  Registry registry = MakeBuiltinRegistry();
  SystemClock clock;
  auto logger = MakeLogger("warn", "text");
  config::Diagnostics diagnostics;
  Settings settings = LoadSettings(file, registry, ProbeDeps{&clock, logger}, diagnostics);
  if (!diagnostics.empty()) {
    std::fputs(diagnostics.Format().c_str(), stderr);
    std::fprintf(stderr, "%s: %zu error(s)\n", file.c_str(), diagnostics.items().size());
    return 1;
  }
  std::printf("%s: ok (%zu connections, %zu probes, %zu rules, %zu actions, %zu modules, %zu tokens)\n", file.c_str(),
              settings.connections.kubernetes.size() + settings.connections.aws.size(), settings.probes.size(),
              settings.rules.size(), settings.actions.size(), settings.modules.size(), settings.tokens.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runbookd: runs outage runbooks — probes, rules, gated remediation"};
  std::string config_file = "/etc/runbookd/runbookd.yaml";
  std::string check_file;
  bool version = false;
  app.add_option("--config", config_file, "config file")->capture_default_str();
  app.add_option("--check-config", check_file, "validate FILE and exit (0 valid, 1 not)");
  app.add_flag("--version", version, "print the version and exit");
  CLI11_PARSE(app, argc, argv);

  if (version) {
    std::printf("runbookd %s\n", RUNBOOKD_VERSION);
    return 0;
  }
  if (!check_file.empty()) return CheckConfig(check_file);

  // Errors from writes are handled as values: a closed peer (SIGPIPE) or a file-size limit on the
  // store (SIGXFSZ) must fail one operation, not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  auto logger = runbookd::MakeLogger("info", "text");
  runbookd::Daemon daemon(config_file, runbookd::MakeBuiltinRegistry(), logger);
  return daemon.Run();
}
