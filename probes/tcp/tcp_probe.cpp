#include "probes/tcp/tcp_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/tcp/connection.hpp"
#include "probes/tcp/tcp_config.hpp"

namespace runbookd::probes::tcp {

namespace asio = boost::asio;
namespace net = runbookd::dns;
using boost::system::error_code;
using runbookd::tcp::Connection;
using runbookd::tcp::DialogueStep;
using runbookd::tcp::TcpCheck;

namespace {

// A step that failed for a reason other than its own logic: the deadline, cancellation, or
// the network.
void ConcludeIoFailure(ProbeResult& result, const error_code& ec, const std::string& what) {
  if (ec == asio::error::operation_aborted) {
    result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
  } else if (ec == asio::error::timed_out) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, what + ": timed out");
  } else {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kConnectionFailed, what + ": " + ec.message());
  }
}

std::optional<int64_t> UnixSeconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// blackbox's TLS gauges: the earliest expiry over the certificates the peer sent, the TLS
// version, and (when the chain was verified) the earliest expiry within the verified chain.
// After STARTTLS blackbox 0.23 exposes only the first.
void ObserveTls(ProbeResult& result, const SSL* ssl, bool starttls) {
  const tls::PeerChainInfo info = tls::InspectPeerChain(ssl);
  if (info.earliest_not_after)
    result.Observe("ssl_earliest_cert_expiry", static_cast<double>(*info.earliest_not_after));
  if (starttls) return;
  if (!info.tls_version.empty()) result.Observe("tls_version_info{version=\"" + info.tls_version + "\"}", 1);
  if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0) return;
  STACK_OF(X509)* verified = SSL_get0_verified_chain(ssl);
  if (verified == nullptr || sk_X509_num(verified) == 0) return;
  std::optional<int64_t> earliest;
  for (int i = 0; i < sk_X509_num(verified); ++i) {
    auto t = UnixSeconds(X509_get0_notAfter(sk_X509_value(verified, i)));
    if (t && (!earliest || *t < *earliest)) earliest = t;
  }
  if (earliest) result.Observe("ssl_last_chain_expiry_timestamp_seconds", static_cast<double>(*earliest));
}

class TcpProbe final : public Probe {
 public:
  TcpProbe(std::shared_ptr<const TcpCheck> check, net::HostPort target)
      : check_(std::move(check)), target_(std::move(target)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const TcpCheck& check = *check_;
    const bool has_expect =
        std::any_of(check.steps.begin(), check.steps.end(), [](const DialogueStep& s) { return s.expect.has_value(); });
    if (check.blackbox) {
      for (const char* name : {"dns_lookup_time_seconds", "ip_protocol", "ip_addr_hash", "failed_due_to_regex"}) {
        result.Observe(name, 0);
      }
    } else if (has_expect) {
      result.Observe("failed_due_to_regex", 0);
    }

    const net::ResolvedHost resolved =
        co_await net::ResolveHost(ctx.executor, target_.host, check.address_choice, ctx.deadline);
    result.Observe("dns_lookup_time_seconds", std::chrono::duration<double>(resolved.lookup_time).count());
    if (resolved.status != net::ResolvedHost::Status::kOk) {
      net::ConcludeUnresolved(resolved, result);
      co_return;
    }
    result.Observe("ip_protocol", resolved.address.is_v4() ? 4 : 6);
    result.Observe("ip_addr_hash", net::IpAddressHash(resolved.address));

    const std::string peer = net::JoinHostPort(resolved.address.to_string(), target_.port);
    Connection connection(ctx.executor);
    if (error_code ec = co_await connection.Connect({resolved.address, target_.port}, ctx.deadline)) {
      if (ec == asio::error::operation_aborted) {
        result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
      } else {
        result.Conclude(ProbeStatus::kUnhealthy, runbookd::tcp::ConnectFailureReason(ec),
                        "connect to " + peer + ": " + (ec == asio::error::timed_out ? "timed out" : ec.message()));
      }
      co_return;
    }
    if (check.tls && !co_await Upgrade(ctx, connection, peer, false, result)) co_return;
    if (!co_await Converse(ctx, connection, peer, result)) co_return;

    std::string detail = "connected to " + peer;
    if (connection.ssl() != nullptr) detail += " (" + tls::TlsVersionName(connection.ssl()) + ")";
    if (!check.steps.empty()) detail += ", dialogue complete";
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, detail);
  }

  // The query/response steps; false (with `result` concluded) when one fails.
  asio::awaitable<bool> Converse(const ProbeContext& ctx, Connection& connection, const std::string& peer,
                                 ProbeResult& result) const {
    std::string line;
    for (const DialogueStep& step : check_->steps) {
      std::string send = step.send;
      if (step.expect) {
        std::optional<std::string> expanded;
        std::string last_line;
        while (!expanded) {
          if (error_code ec = co_await connection.ReadLine(line, ctx.deadline)) {
            if (ec == asio::error::eof) {
              result.Observe("failed_due_to_regex", 1);
              result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kExpectMismatch,
                              peer + " closed the connection before a line matched \"" + step.expect->pattern() + "\"" +
                                  (last_line.empty() ? "" : " (last line: \"" + last_line + "\")"));
            } else if (ec == asio::error::message_size) {
              result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError, peer + " sent a line over 64 KiB");
            } else {
              ConcludeIoFailure(result, ec, "waiting for a line matching \"" + step.expect->pattern() + "\"");
            }
            co_return false;
          }
          expanded = step.expect->SearchAndExpand(line, step.send);
          last_line = line;
        }
        result.Observe("failed_due_to_regex", 0);
        send = std::move(*expanded);
      }
      if (!send.empty()) {
        // A named line, not a temporary inside co_await: GCC 12 may destroy such temporaries twice.
        const std::string line_out = send + "\n";
        if (error_code ec = co_await connection.Write(line_out, ctx.deadline)) {
          ConcludeIoFailure(result, ec, "sending to " + peer);
          co_return false;
        }
      }
      if (step.starttls && !co_await Upgrade(ctx, connection, peer, true, result)) co_return false;
    }
    co_return true;
  }

  // TLS on the connection; false (with `result` concluded) when the handshake fails.
  asio::awaitable<bool> Upgrade(const ProbeContext& ctx, Connection& connection, const std::string& peer, bool starttls,
                                ProbeResult& result) const {
    const TcpCheck& check = *check_;
    tls::HandshakeFailure failure;
    const std::string server_name = tls::EffectiveServerName(check.tls_options, target_.host);
    error_code ec = co_await connection.StartTls(*check.tls_context, server_name,
                                                 check.tls_options.insecure_skip_verify, ctx.deadline, failure);
    if (ec == asio::error::timed_out || ec == asio::error::operation_aborted) {
      ConcludeIoFailure(result, ec, "TLS handshake with " + peer);
      co_return false;
    }
    if (ec) {
      result.Conclude(ProbeStatus::kUnhealthy, failure.reason, peer + ": " + failure.message);
      co_return false;
    }
    ObserveTls(result, connection.ssl(), starttls);
    co_return true;
  }

  std::shared_ptr<const TcpCheck> check_;
  net::HostPort target_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps&) -> std::unique_ptr<Probe> {
    auto check = runbookd::tcp::ReadTcpProbeSpec(spec);
    if (!check) return nullptr;
    const net::HostPort address = *check->address;
    return std::make_unique<TcpProbe>(std::make_shared<const TcpCheck>(std::move(*check)), address);
  };
}

ModuleFactory MakeModuleFactory() {
  return [](const config::Node& block, const ProbeDeps&) -> TargetProbeBuilder {
    auto check = runbookd::tcp::ReadTcpModule(block);
    if (!check) return nullptr;
    auto shared = std::make_shared<const TcpCheck>(std::move(*check));
    return [shared](const std::string& target, std::string& error) -> std::unique_ptr<Probe> {
      auto host_port = net::SplitHostPort(target, std::nullopt, error);
      if (!host_port) return nullptr;
      return std::make_unique<TcpProbe>(shared, std::move(*host_port));
    };
  };
}

}  // namespace runbookd::probes::tcp
