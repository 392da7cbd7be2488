#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::dns {

// "host:port", "[v6]:port"; with a default port also "host", "v6-literal" and "[v6]".
struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};
std::optional<HostPort> SplitHostPort(std::string_view text, std::optional<uint16_t> default_port, std::string& error);
// "host:port", bracketing IPv6 literals.
std::string JoinHostPort(std::string_view host, uint16_t port);

enum class IpProtocol { kIp4, kIp6 };

// Which address of a name to use. blackbox_exporter's rule: with fallback, take the first
// address of the preferred family, else the first of the other; without, ask only for the
// preferred family.
struct AddressChoice {
  IpProtocol preferred = IpProtocol::kIp4;
  bool fallback = true;
};

struct ResolvedHost {
  enum class Status { kOk, kNotFound, kTimeout, kCancelled, kError };
  Status status = Status::kError;
  boost::asio::ip::address address;
  std::chrono::nanoseconds lookup_time{0};  // 0 for an address literal
  std::string error;                        // for humans, when status != kOk
};

// Resolves `host` with c-ares (hosts file, then the system's resolvers), never blocking the
// event loop and never past `deadline`. An address literal is returned as is.
boost::asio::awaitable<ResolvedHost> ResolveHost(boost::asio::any_io_executor executor, std::string host,
                                                 AddressChoice choice, SteadyTime deadline);

// Concludes a probe run whose target did not resolve (status != kOk), the same way for every
// prober: cancelled is unknown/timeout (the run's deadline), a resolver timeout is
// unhealthy/timeout, anything else unhealthy/dns_error.
void ConcludeUnresolved(const ResolvedHost& resolved, ProbeResult& result);

// blackbox_exporter's probe_ip_addr_hash: FNV-1a (32 bit) over the address bytes (4 or 16).
double IpAddressHash(const boost::asio::ip::address& address);

}  // namespace runbookd::dns
