#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/dns/resolver.hpp"
#include "daemon/clients/tls/tls.hpp"
#include "daemon/core/go_regex.hpp"

namespace runbookd::tcp {

// One step of a line dialogue, in blackbox_exporter's order: read lines until `expect`
// matches (when set), send `send` plus "\n" (when set; $1 and ${name} expand from the match),
// then upgrade to TLS (when starttls).
struct DialogueStep {
  std::optional<GoRegex> expect;
  std::string send;
  bool starttls = false;
};

// What a tcp probe does, from a `type: tcp` spec or a blackbox `tcp:` module.
struct TcpCheck {
  std::optional<dns::HostPort> address;  // the spec's address; modules take the /probe target
  dns::AddressChoice address_choice;
  bool tls = false;                                        // TLS right after connecting
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // set when tls or any starttls
  tls::TlsOptions tls_options;
  std::vector<DialogueStep> steps;
  bool blackbox = false;  // report the observations blackbox registers even when a step fails
};

// A `type: tcp` spec (keys in probes/tcp/README.md); nullopt when it has errors.
std::optional<TcpCheck> ReadTcpProbeSpec(const config::Node& spec);

// A blackbox_exporter 0.23 `tcp:` module block (may be undefined: plain connect); nullopt when
// it has errors.
std::optional<TcpCheck> ReadTcpModule(const config::Node& block);

}  // namespace runbookd::tcp
