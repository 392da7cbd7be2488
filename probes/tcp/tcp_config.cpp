#include "probes/tcp/tcp_config.hpp"

namespace runbookd::tcp {

namespace {

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

// An empty pattern means no expect at all, as in blackbox.
std::optional<GoRegex> ReadRegex(const config::Node& node) {
  if (!node.defined()) return std::nullopt;
  const std::string pattern = node.AsString();
  if (pattern.empty()) return std::nullopt;
  std::string error;
  auto re = GoRegex::Compile(pattern, error);
  if (!re) node.Error(error);
  return re;
}

// The tls_config keys of `node`; builds the context when `needed`. When not needed the keys
// are still read (blackbox accepts them), but there is nothing to build.
void ReadTls(const config::Node& node, bool needed, TcpCheck& check) {
  if (needed) {
    check.tls_context = tls::ReadTlsContext(node, &check.tls_options);
  } else if (node.defined()) {
    check.tls_options = tls::ReadTlsOptions(node);
  }
}

}  // namespace

std::optional<TcpCheck> ReadTcpProbeSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the tcp probe needs a spec with at least \"address\"");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(spec);
  TcpCheck check;

  const config::Node address = spec.Required("address");
  if (address.defined()) {
    std::string error;
    check.address = dns::SplitHostPort(address.AsString(), std::nullopt, error);
    if (!check.address) address.Error(error);
  }
  // Without ip_protocol a name may resolve to either family (IPv4 first).
  const std::string ip_protocol = spec["ip_protocol"].AsEnum({"ip4", "ip6"}, "");
  if (ip_protocol == "ip4") check.address_choice = {dns::IpProtocol::kIp4, false};
  if (ip_protocol == "ip6") check.address_choice = {dns::IpProtocol::kIp6, false};

  check.tls = spec["tls"].AsBool(false);
  if (check.tls) {
    ReadTls(spec, true, check);
  } else {
    for (const char* key : {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"}) {
      if (spec[key].defined()) spec[key].Error(std::string(key) + " needs tls: true");
    }
  }

  // Native steps send first, then read lines until expect matches.
  const auto add_step = [&check](const config::Node& step) {
    if (const config::Node send = step["send"]; send.defined()) check.steps.push_back({std::nullopt, send.AsString()});
    if (auto expect = ReadRegex(step["expect"])) check.steps.push_back({std::move(expect), {}});
  };
  const config::Node steps = spec["steps"];
  if (steps.defined() && (spec["send"].defined() || spec["expect"].defined())) {
    steps.Error("give either send/expect or steps, not both");
  }
  if (steps.defined()) {
    for (const config::Node& step : steps.Items()) {
      if (!step.is_map() || (!step["send"].defined() && !step["expect"].defined())) {
        step.Error("a step needs send, expect or both");
        continue;
      }
      add_step(step);
    }
  } else {
    add_step(spec);
  }
  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return check;
}

std::optional<TcpCheck> ReadTcpModule(const config::Node& block) {
  TcpCheck check;
  check.blackbox = true;
  check.address_choice = {dns::IpProtocol::kIp6, true};  // blackbox's defaults
  if (!block.defined()) return check;
  if (!block.is_map()) {
    block.Error("expected a mapping");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(block);
  check.address_choice.preferred = block["preferred_ip_protocol"].AsEnum({"ip4", "ip6"}, "ip6") == "ip4"
                                       ? dns::IpProtocol::kIp4
                                       : dns::IpProtocol::kIp6;
  check.address_choice.fallback = block["ip_protocol_fallback"].AsBool(true);
  if (const config::Node source = block["source_ip_address"]; source.defined()) {
    source.Error("source_ip_address is not supported by runbookd");
  }
  check.tls = block["tls"].AsBool(false);
  bool starttls = false;
  for (const config::Node& item : block["query_response"].Items()) {
    DialogueStep step;
    step.expect = ReadRegex(item["expect"]);
    step.send = item["send"].AsString();
    step.starttls = item["starttls"].AsBool(false);
    starttls = starttls || step.starttls;
    check.steps.push_back(std::move(step));
  }
  ReadTls(block["tls_config"], check.tls || starttls, check);
  if (ErrorCount(block) != errors_before) return std::nullopt;
  return check;
}

}  // namespace runbookd::tcp
