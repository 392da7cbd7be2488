#include "daemon/clients/dns/resolver.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <charconv>

#include "daemon/clients/dns/ares_channel.hpp"

namespace runbookd::dns {

namespace asio = boost::asio;

std::optional<HostPort> SplitHostPort(std::string_view text, std::optional<uint16_t> default_port, std::string& error) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "missing ']' in \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = "unexpected text after ']' in \"" + std::string(text) + "\"";
        return std::nullopt;
      }
      port = rest.substr(1);
      if (port.empty()) {
        error = "missing port in \"" + std::string(text) + "\"";
        return std::nullopt;
      }
    }
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      // Several colons and no brackets: an IPv6 literal without a port.
      host = text;
    } else {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (port.empty()) {
        error = "missing port in \"" + std::string(text) + "\"";
        return std::nullopt;
      }
    }
  }
  if (host.empty()) {
    error = "missing host in \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  HostPort out{std::string(host), 0};
  if (port.empty()) {
    if (!default_port) {
      error = "missing port in \"" + std::string(text) + "\" (use host:port)";
      return std::nullopt;
    }
    out.port = *default_port;
    return out;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    error = "invalid port \"" + std::string(port) + "\" in \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(value);
  return out;
}

std::string JoinHostPort(std::string_view host, uint16_t port) {
  if (host.find(':') != std::string_view::npos) return "[" + std::string(host) + "]:" + std::to_string(port);
  return std::string(host) + ":" + std::to_string(port);
}

namespace {

bool IsFamily(const asio::ip::address& address, IpProtocol protocol) {
  return protocol == IpProtocol::kIp4 ? address.is_v4() : address.is_v6();
}

std::string_view Name(IpProtocol protocol) { return protocol == IpProtocol::kIp4 ? "IPv4" : "IPv6"; }

}  // namespace

asio::awaitable<ResolvedHost> ResolveHost(asio::any_io_executor executor, std::string host, AddressChoice choice,
                                          SteadyTime deadline) {
  ResolvedHost out;
  boost::system::error_code parse_error;
  const asio::ip::address literal = asio::ip::make_address(host, parse_error);
  if (!parse_error) {
    // blackbox_exporter applies the family rule to literals too: an IPv4 literal satisfies ip6
    // only through the fallback.
    if (!choice.fallback && !IsFamily(literal, choice.preferred)) {
      out.error = "\"" + host + "\" is not an " + std::string(Name(choice.preferred)) + " address";
      out.status = ResolvedHost::Status::kNotFound;
      co_return out;
    }
    out.status = ResolvedHost::Status::kOk;
    out.address = literal;
    co_return out;
  }

  const auto start = std::chrono::steady_clock::now();
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
  if (remaining <= std::chrono::milliseconds(0)) {
    out.status = ResolvedHost::Status::kTimeout;
    out.error = "no time left to resolve \"" + host + "\"";
    co_return out;
  }

  ChannelSettings settings;
  settings.per_try_timeout = remaining;
  settings.tries = 1;
  std::string error;
  auto channel = AresChannel::Open(executor, settings, error);
  if (!channel) {
    out.error = error;
    co_return out;
  }
  const int family = choice.fallback ? AF_UNSPEC : (choice.preferred == IpProtocol::kIp4 ? AF_INET : AF_INET6);
  channel->StartGetAddrInfo(host, family);
  const AresChannel::WaitOutcome outcome = co_await channel->Wait(deadline);
  channel->Close();
  out.lookup_time = std::chrono::steady_clock::now() - start;

  if (outcome == AresChannel::WaitOutcome::kDeadline) {
    out.status = ResolvedHost::Status::kTimeout;
    out.error = "resolving \"" + host + "\" timed out";
    co_return out;
  }
  if (outcome == AresChannel::WaitOutcome::kCancelled) {
    out.status = ResolvedHost::Status::kCancelled;
    out.error = "cancelled";
    co_return out;
  }
  if (channel->status() != ARES_SUCCESS) {
    const int status = channel->status();
    out.status = (status == ARES_ENOTFOUND || status == ARES_ENODATA) ? ResolvedHost::Status::kNotFound
                 : status == ARES_ETIMEOUT                            ? ResolvedHost::Status::kTimeout
                                                                      : ResolvedHost::Status::kError;
    out.error = "cannot resolve \"" + host + "\": " + ares_strerror(status);
    co_return out;
  }
  const auto& addresses = channel->addresses();
  auto preferred = std::find_if(addresses.begin(), addresses.end(),
                                [&](const asio::ip::address& a) { return IsFamily(a, choice.preferred); });
  if (preferred != addresses.end()) {
    out.address = *preferred;
  } else if (choice.fallback && !addresses.empty()) {
    out.address = addresses.front();
  } else {
    out.status = ResolvedHost::Status::kNotFound;
    out.error = "\"" + host + "\" has no " + std::string(Name(choice.preferred)) + " address";
    co_return out;
  }
  out.status = ResolvedHost::Status::kOk;
  co_return out;
}

double IpAddressHash(const asio::ip::address& address) {
  // Go hashes the address bytes as its resolver returns them: 4 for IPv4 (checked against
  // blackbox_exporter 0.23: 127.0.0.1 gives 3668918509), 16 for IPv6.
  uint32_t hash = 2166136261u;
  const auto mix = [&hash](const auto& bytes) {
    for (unsigned char byte : bytes) {
      hash ^= byte;
      hash *= 16777619u;
    }
  };
  if (address.is_v4()) {
    mix(address.to_v4().to_bytes());
  } else {
    mix(address.to_v6().to_bytes());
  }
  return static_cast<double>(hash);
}

void ConcludeUnresolved(const ResolvedHost& resolved, ProbeResult& result) {
  if (resolved.status == ResolvedHost::Status::kCancelled) {
    result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
  } else if (resolved.status == ResolvedHost::Status::kTimeout) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, resolved.error);
  } else {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsError, resolved.error);
  }
}

}  // namespace runbookd::dns
