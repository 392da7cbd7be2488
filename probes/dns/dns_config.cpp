#include "probes/dns/dns_config.hpp"

#include "daemon/clients/dns/message.hpp"

namespace runbookd::dns {

namespace {

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

// A single rcode name or a list of them; `fallback` when absent. An explicit empty list stays
// empty (nothing is valid), as in blackbox_exporter.
std::vector<int> ReadRcodes(const config::Node& node, std::vector<int> fallback) {
  if (!node.defined()) return fallback;
  std::vector<int> out;
  for (const std::string& name : node.AsStringList()) {
    if (auto rcode = RcodeFromName(name)) {
      out.push_back(*rcode);
    } else {
      node.Error("unknown rcode \"" + name + "\" (use names such as NOERROR, NXDOMAIN, SERVFAIL, REFUSED)");
    }
  }
  return out;
}

void RejectUnsupported(const config::Node& node, std::string_view what) {
  if (node.defined()) node.Error(std::string(what) + " is not supported by runbookd");
}

}  // namespace

std::optional<DnsProbeSpec> ReadDnsProbeSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the dns probe needs a spec with at least \"name\"");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(spec);
  DnsProbeSpec out;

  const config::Node name = spec.Required("name");
  out.name = name.AsString();
  const std::string type =
      spec["record_type"].AsEnum({"A", "AAAA", "CNAME", "TXT", "MX", "NS", "SOA", "PTR", "SRV"}, "A");
  out.record_type = RecordTypeFromName(type).value_or(kTypeA);

  if (const config::Node server = spec["server"]; server.defined()) {
    std::string error;
    out.server = SplitHostPort(server.AsString(), 53, error);
    if (!out.server) server.Error(error);
  }
  // Without ip_protocol, a server given by name may use either family (IPv4 first).
  const std::string ip_protocol = spec["ip_protocol"].AsEnum({"ip4", "ip6"}, "");
  if (ip_protocol == "ip4") out.server_address = {IpProtocol::kIp4, false};
  if (ip_protocol == "ip6") out.server_address = {IpProtocol::kIp6, false};

  out.expect = ReadRegexList(spec["expect"]);
  const size_t errors_before_rcodes = ErrorCount(spec);
  out.expect_rcode = ReadRcodes(spec["expect_rcode"], {kRcodeNoError});
  if (out.expect_rcode.empty() && ErrorCount(spec) == errors_before_rcodes) {
    spec["expect_rcode"].Error("give at least one rcode");
  }
  out.use_tcp = spec["transport"].AsEnum({"udp", "tcp"}, "udp") == "tcp";
  out.recursion_desired = spec["recursion_desired"].AsBool(true);

  if (!out.name.empty()) {
    std::string error;
    out.query = EncodeQuery(out.name, out.record_type, kClassIn, out.recursion_desired, error);
    if (out.query.empty()) name.Error(error);
  }
  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return out;
}

std::optional<DnsModuleConfig> ReadDnsModule(const config::Node& block) {
  if (!block.defined() || !block.is_map()) {
    block.Error("query name must be set for DNS module");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(block);
  DnsModuleConfig out;

  const config::Node query_name = block["query_name"];
  out.query_name = query_name.AsString();
  if (out.query_name.empty()) block.Error("query name must be set for DNS module");

  if (const config::Node node = block["query_type"]; node.defined()) {
    const std::string text = node.AsString();
    if (auto type = RecordTypeFromName(text)) {
      out.query_type = *type;
    } else {
      node.Error("unknown query type \"" + text + "\"");
    }
  }
  if (const config::Node node = block["query_class"]; node.defined()) {
    const std::string text = node.AsString();
    if (auto klass = ClassFromName(text)) {
      out.query_class = *klass;
    } else {
      node.Error("unknown query class \"" + text + "\" (use IN, CH, HS, CS, NONE or ANY)");
    }
  }
  out.valid_rcodes = ReadRcodes(block["valid_rcodes"], {kRcodeNoError});
  out.validate_answer = ReadRrValidator(block["validate_answer_rrs"]);
  out.validate_authority = ReadRrValidator(block["validate_authority_rrs"]);
  out.validate_additional = ReadRrValidator(block["validate_additional_rrs"]);
  out.use_tcp = block["transport_protocol"].AsEnum({"udp", "tcp"}, "udp") == "tcp";
  out.target_address.preferred =
      block["preferred_ip_protocol"].AsEnum({"ip4", "ip6"}, "ip6") == "ip4" ? IpProtocol::kIp4 : IpProtocol::kIp6;
  out.target_address.fallback = block["ip_protocol_fallback"].AsBool(true);
  out.recursion_desired = block["recursion_desired"].AsBool(true);

  if (const config::Node dot = block["dns_over_tls"]; dot.AsBool(false)) {
    dot.Error("dns_over_tls is not supported by runbookd; probe this server with blackbox_exporter or over udp/tcp");
  }
  (void)block["tls_config"];  // only used with dns_over_tls, which blackbox also ignores otherwise
  RejectUnsupported(block["source_ip_address"], "source_ip_address");

  if (!out.query_name.empty()) {
    std::string error;
    out.query = EncodeQuery(out.query_name, out.query_type, out.query_class, out.recursion_desired, error);
    if (out.query.empty()) query_name.Error(error);
  }
  if (ErrorCount(block) != errors_before) return std::nullopt;
  return out;
}

std::string DescribeRcodes(const std::vector<int>& rcodes) {
  std::string out;
  for (int rcode : rcodes) out += (out.empty() ? "" : ", ") + RcodeName(rcode);
  return out;
}

}  // namespace runbookd::dns
