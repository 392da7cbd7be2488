#include "daemon/app/settings.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <regex>
#include <set>

#include "config/node.hpp"
#include "config/suggest.hpp"
#include "daemon/rules/rule_parser.hpp"

namespace runbookd {

namespace {

using config::Node;

// Top-level keys of CONTRACT.md that later parts of runbookd will read. Until then a config
// that uses them is refused with a clear word rather than silently ignored.

const std::vector<std::string> kRoles = {"webhook", "reader", "approver", "operator", "admin"};

bool ValidName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]*");
  return std::regex_match(name, kName);
}

bool ValidListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  unsigned port = 0;
  const char* end = listen.data() + listen.size();
  auto [ptr, ec] = std::from_chars(listen.data() + colon + 1, end, port);
  return ec == std::errc() && ptr == end && port <= 65535;
}

void ReadServer(const Node& node, ServerSettings& out) {
  if (!node.defined()) return;
  const Node listen = node["listen"];
  out.listen = listen.AsString(out.listen);
  if (listen.defined() && !ValidListen(out.listen)) listen.Error("expected HOST:PORT, got \"" + out.listen + "\"");
  out.tls_cert_file = node["tls_cert_file"].AsOptionalString();
  out.tls_key_file = node["tls_key_file"].AsOptionalString();
  if (out.tls_cert_file.has_value() != out.tls_key_file.has_value()) {
    node.Error("tls_cert_file and tls_key_file go together");
  }
  out.probe_requires_auth = node["probe_requires_auth"].AsBool(out.probe_requires_auth);
  out.dry_run = node["dry_run"].AsBool(out.dry_run);
  out.max_body_bytes = node["max_body_bytes"].AsInt(out.max_body_bytes, 1024, 1LL << 30);
  out.max_connections = node["max_connections"].AsInt(out.max_connections, 1, 100000);
  out.idle_timeout = node["idle_timeout"].AsDuration(out.idle_timeout);
  out.request_timeout = node["request_timeout"].AsDuration(out.request_timeout);
}

void ReadLog(const Node& node, LogSettings& out) {
  if (!node.defined()) return;
  out.level = node["level"].AsEnum({"debug", "info", "warn", "error"}, out.level);
  out.format = node["format"].AsEnum({"text", "json"}, out.format);
}

void ReadAuth(const Node& node, std::vector<TokenSettings>& out) {
  if (!node.defined()) return;
  std::map<std::string, std::string> seen_names;
  for (const Node& item : node["tokens"].Items()) {
    TokenSettings t;
    const Node name = item.Required("name");
    t.name = name.AsString();
    t.role = item.Required("role").AsEnum(kRoles, "");
    auto secret = item.ReadSecret("token");
    if (!secret && !item["token_file"].defined() && !item["token_env"].defined()) {
      item.Error("missing required key \"token_file\" (or \"token_env\")");
    }
    if (name.defined() && !seen_names.emplace(t.name, item.path()).second) {
      name.Error("duplicate token name \"" + t.name + "\" (first at " + seen_names[t.name] + ")");
    }
    if (secret) {
      for (const auto& other : out) {
        if (other.token == *secret) item.Error("this token is the same as token \"" + other.name + "\"");
      }
      t.token = std::move(*secret);
      out.push_back(std::move(t));
    }
  }
}

void ReadProbe(const Node& item, const Registry& registry, const ProbeDeps& base_deps, const ConnectionSet& connections,
               std::set<std::string>& names, std::vector<ScheduledProbe>& out) {
  ScheduledProbe p;
  const Node name = item.Required("name");
  p.name = name.AsString();
  if (name.defined() && !ValidName(p.name)) {
    name.Error("invalid name \"" + p.name + "\" (letters, digits, '_', '.', '-')");
  } else if (name.defined() && !names.insert(p.name).second) {
    name.Error("duplicate probe name \"" + p.name + "\"");
  }
  const Node type = item.Required("type");
  p.type = type.AsString();
  const Node interval = item["interval"];
  const Node timeout = item["timeout"];
  p.interval = interval.AsDuration(p.interval);
  p.timeout = timeout.AsDuration(p.timeout);
  if (interval.defined() && p.interval < std::chrono::seconds(1)) interval.Error("must be at least 1s");
  if (timeout.defined() && p.timeout <= std::chrono::milliseconds(0)) timeout.Error("must be more than 0");
  if (p.timeout > p.interval) {
    (timeout.defined() ? timeout : item)
        .Error("timeout (" + config::FormatDuration(p.timeout) + ") must not exceed interval (" +
               config::FormatDuration(p.interval) + ")");
  }
  p.fail_after = static_cast<int>(item["fail_after"].AsInt(1, 1, 1000));
  p.recover_after = static_cast<int>(item["recover_after"].AsInt(1, 1, 1000));
  p.labels = item["labels"].AsStringMap();
  const auto deps = connections.With(base_deps, item["connection"]);
  const Node spec = item["spec"];
  if (spec.defined() && !spec.is_map()) spec.Error("expected a mapping");
  if (!type.defined()) return;
  const ProbeFactory* factory = registry.FindProbeType(p.type);
  if (factory == nullptr) {
    type.Error("unknown probe type \"" + p.type + "\"" + config::DidYouMean(p.type, registry.ProbeTypes()));
    return;
  }
  if (!deps) return;  // the connection is unknown or broken: said already
  if (!spec.defined()) {
    item.Error("missing required key \"spec\"");
    return;
  }
  auto probe = (*factory)(spec, *deps);
  if (probe) {
    p.probe = std::move(probe);
    out.push_back(std::move(p));
  }
}

void ReadModules(const Node& node, const Registry& registry, const ProbeDeps& deps,
                 std::map<std::string, ModuleSettings>& out) {
  for (const auto& [name, module] : node.Entries()) {
    if (out.count(name)) {
      module.Error("duplicate module \"" + name + "\"");
      continue;
    }
    ModuleSettings m;
    const Node prober = module.Required("prober");
    m.prober = prober.AsString();
    m.timeout = module["timeout"].AsDuration(m.timeout);
    // A module may carry blocks for other probers (blackbox_exporter ignores them too).
    for (const char* block : {"http", "tcp", "dns", "icmp", "grpc"}) (void)module[block];
    if (!prober.defined()) continue;
    const ModuleFactory* factory = registry.FindModuleProber(m.prober);
    if (factory == nullptr) {
      std::string supported;
      for (const auto& p : registry.ModuleProbers()) supported += (supported.empty() ? "" : ", ") + p;
      prober.Error("prober \"" + m.prober + "\" is not supported (supported: " + supported + ")");
      continue;
    }
    m.build = (*factory)(module[m.prober], deps);
    if (m.build) out.emplace(name, std::move(m));
  }
}

// probes, actions and modules may also come from included files.
void ReadLists(const Node& root, const Registry& registry, const ProbeDeps& deps, std::set<std::string>& names,
               Settings& out) {
  for (const Node& item : root["probes"].Items()) ReadProbe(item, registry, deps, out.connections, names, out.probes);
  for (const Node& item : root["actions"].Items()) ReadAction(item, registry, deps, out.connections, out.actions);
  ReadModules(root["modules"], registry, deps, out.modules);
}

// A rule's `then:` names actions; each must be declared (one that is declared but broken has
// reported its own errors already).
void CheckRuleActions(const std::vector<config::Document>& docs) {
  std::vector<std::string> declared;
  for (const auto& d : docs) {
    for (const Node& item : d.root()["actions"].Items()) declared.push_back(item["name"].AsString());
  }
  for (const auto& d : docs) {
    for (const Node& rule : d.root()["rules"].Items()) {
      for (const Node& step : rule["then"].Items()) {
        const Node action = step["action"];
        if (!action.defined() || !action.is_scalar()) continue;
        const std::string name = action.AsString();
        if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
          action.Error("unknown action \"" + name + "\"" + config::DidYouMean(name, declared));
        }
      }
    }
  }
}

}  // namespace

namespace {

Settings LoadSettingsOrThrow(const std::string& file, const Registry& registry, const ProbeDeps& deps,
                             config::Diagnostics& diagnostics, const ConnectionOptions& connection_options) {
  Settings out;
  out.file = file;
  auto doc = config::Document::Load(file, diagnostics);
  if (!doc.ok()) return out;
  const Node root = doc.root();
  ReadServer(root["server"], out.server);
  ReadLog(root["log"], out.log);
  out.store.path = root["store"]["path"].AsString(out.store.path);
  ReadAuth(root["auth"], out.tokens);
  out.connections = ReadConnections(root["connections"], deps, connection_options);
  out.gates = gates::ReadGateSettings(root["gates"]);
  out.notifiers = notify::ReadNotifiers(root["notifiers"], notify::NotifierDeps{deps.clock});
  std::vector<gates::NotifierReference> escalation_refs;
  out.escalation = gates::ReadEscalation(root["escalation"], escalation_refs);
  std::vector<std::string> notifier_names;
  for (const auto& n : out.notifiers) notifier_names.push_back(n.name);
  gates::CheckNotifierReferences(escalation_refs, notifier_names);
  // The main file and its includes; each may hold probes, modules and rules.
  std::vector<config::Document> docs;
  docs.push_back(doc);
  for (const Node& inc : root["include"].Items()) {
    std::filesystem::path path = inc.AsString();
    if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      inc.Error("cannot read included file \"" + path.string() + "\"");
      continue;
    }
    auto child = config::Document::Load(path.string(), diagnostics);
    if (child.ok()) docs.push_back(std::move(child));
  }
  // Probes first, everywhere: rules refer to probes by name.
  std::set<std::string> names;
  for (const auto& d : docs) ReadLists(d.root(), registry, deps, names, out);
  rules::RuleParser rule_parser(names, out.connections.KubernetesNames());
  for (const auto& d : docs) rule_parser.Read(d.root()["rules"]);
  out.rules = rule_parser.Finish();
  CheckRuleActions(docs);
  for (const auto& d : docs) d.CheckUnknownKeys();
  return out;
}

}  // namespace

// A reader that throws (a library refusing a value nobody validated) must not take the daemon
// down on a reload: it becomes one more config error.
Settings LoadSettings(const std::string& file, const Registry& registry, const ProbeDeps& deps,
                      config::Diagnostics& diagnostics, const ConnectionOptions& connection_options) {
  try {
    return LoadSettingsOrThrow(file, registry, deps, diagnostics, connection_options);
  } catch (const std::exception& e) {
    diagnostics.Add(config::Location{file, 1, 1}, "", std::string("could not load the config: ") + e.what());
    return Settings{};
  }
}

}  // namespace runbookd
