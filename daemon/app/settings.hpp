#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/secret.hpp"
#include "daemon/app/item_settings.hpp"
#include "daemon/core/registry.hpp"
#include "daemon/engine/probe_runner.hpp"
#include "daemon/gates/gate_settings.hpp"
#include "daemon/notify/notifier_settings.hpp"
#include "daemon/rules/rule.hpp"

namespace runbookd {

struct ServerSettings {
  std::string listen = "127.0.0.1:8474";
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  bool probe_requires_auth = false;  // /probe is open by default, like blackbox_exporter
  bool dry_run = false;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds request_timeout{10000};
};

struct LogSettings {
  std::string level = "info";   // debug | info | warn | error
  std::string format = "text";  // text | json
};

struct StoreSettings {
  std::string path = "/var/lib/runbookd/runbookd.db";
};

struct TokenSettings {
  std::string name;
  std::string role;  // validated against the server's roles
  config::Secret token;
};

// A blackbox_exporter module for /probe.
struct ModuleSettings {
  std::string prober;
  std::chrono::milliseconds timeout{0};  // 0: only the scrape timeout bounds the probe
  TargetProbeBuilder build;
};

// The whole config, validated, with every probe already built.
struct Settings {
  std::string file;
  ServerSettings server;
  LogSettings log;
  StoreSettings store;
  std::vector<TokenSettings> tokens;
  ConnectionSet connections;
  std::vector<ScheduledProbe> probes;
  std::vector<ActionSettings> actions;
  std::map<std::string, ModuleSettings> modules;
  std::vector<rules::Rule> rules;
  gates::GateSettings gates;
  std::vector<notify::NotifierSettings> notifiers;
  gates::EscalationSettings escalation;
};

// Reads and validates `file` (and its includes). Every problem goes to `diagnostics`; the result
// is usable only when diagnostics stayed empty.
Settings LoadSettings(const std::string& file, const Registry& registry, const ProbeDeps& deps,
                      config::Diagnostics& diagnostics, const ConnectionOptions& connection_options = {});

}  // namespace runbookd
