#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/go_regex.hpp"
#include "probes/dns/rr_validator.hpp"

namespace runbookd::dns {

// The `spec:` of a `type: dns` probe (see probes/dns/README.md).
struct DnsProbeSpec {
  std::string name;
  uint16_t record_type = 1;             // A
  std::optional<HostPort> server;       // nullopt: the system's resolvers
  AddressChoice server_address;         // how to pick the server's address when it is a name
  std::vector<GoRegex> expect;          // each must match the value of at least one answer
  std::vector<int> expect_rcode = {0};  // NOERROR
  bool use_tcp = false;
  bool recursion_desired = true;
  std::vector<uint8_t> query;  // the encoded question, built once
};

// Reads a spec block; nullopt when it has errors (recorded on the node).
std::optional<DnsProbeSpec> ReadDnsProbeSpec(const config::Node& spec);

// A blackbox_exporter 0.23 `dns:` module block.
struct DnsModuleConfig {
  std::string query_name;
  uint16_t query_type = 255;  // ANY, blackbox's default
  uint16_t query_class = 1;   // IN
  std::vector<int> valid_rcodes = {0};
  RrValidator validate_answer;
  RrValidator validate_authority;
  RrValidator validate_additional;
  bool use_tcp = false;
  AddressChoice target_address{IpProtocol::kIp6, true};  // blackbox: prefer ip6, fall back
  bool recursion_desired = true;
  std::vector<uint8_t> query;
};

// Reads a module block (an undefined node is an error: query_name is required); nullopt when
// it has errors.
std::optional<DnsModuleConfig> ReadDnsModule(const config::Node& block);

// "NOERROR, NXDOMAIN" for details.
std::string DescribeRcodes(const std::vector<int>& rcodes);

}  // namespace runbookd::dns
