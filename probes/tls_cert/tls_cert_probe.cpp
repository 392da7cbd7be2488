#include "probes/tls_cert/tls_cert_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/dns/resolver.hpp"
#include "daemon/clients/tls/tls.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/tcp/connection.hpp"

namespace runbookd::probes::tls_cert {

namespace asio = boost::asio;
namespace net = runbookd::dns;
using boost::system::error_code;

namespace {

struct TlsCertSpec {
  net::HostPort address;
  net::AddressChoice address_choice;
  double min_days_left = 14;
  std::shared_ptr<asio::ssl::context> context;
  tls::TlsOptions options;
};

std::optional<TlsCertSpec> ReadSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the tls_cert probe needs a spec with at least \"address\"");
    return std::nullopt;
  }
  const size_t errors_before = spec.diagnostics().items().size();
  TlsCertSpec out;
  const config::Node address = spec.Required("address");
  if (address.defined()) {
    std::string error;
    auto parsed = net::SplitHostPort(address.AsString(), std::nullopt, error);
    if (parsed) {
      out.address = *parsed;
    } else {
      address.Error(error);
    }
  }
  const std::string ip_protocol = spec["ip_protocol"].AsEnum({"ip4", "ip6"}, "");
  if (ip_protocol == "ip4") out.address_choice = {net::IpProtocol::kIp4, false};
  if (ip_protocol == "ip6") out.address_choice = {net::IpProtocol::kIp6, false};
  const config::Node min_days = spec["min_days_left"];
  out.min_days_left = min_days.AsDouble(14);
  if (out.min_days_left < 0) min_days.Error("must not be negative");
  // ca_file, server_name, insecure_skip_verify (and cert_file/key_file for servers that want a
  // client certificate) are the tls_config keys, inline.
  out.context = tls::ReadTlsContext(spec, &out.options);
  if (spec.diagnostics().items().size() != errors_before) return std::nullopt;
  return out;
}

std::string Days(double days) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", days);
  return buf;
}

std::string Utc(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> NotAfter(const X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

struct PresentedChain {
  std::optional<int64_t> leaf_not_after;
  std::optional<int64_t> earliest_not_after;
};

// The dates of what the peer presented, even when verification refused it: then OpenSSL has
// not set the peer certificate, but it kept the chain the server sent (leaf first, on a
// client). That shows how long ago an expired certificate ran out.
PresentedChain Presented(const SSL* ssl) {
  PresentedChain out;
  if (ssl == nullptr) return out;
  const tls::PeerChainInfo info = tls::InspectPeerChain(ssl);
  if (info.has_certificate) return {info.leaf_not_after, info.earliest_not_after};
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl);
  if (sent == nullptr || sk_X509_num(sent) == 0) return out;
  out.leaf_not_after = NotAfter(sk_X509_value(sent, 0));
  for (int i = 0; i < sk_X509_num(sent); ++i) {
    auto t = NotAfter(sk_X509_value(sent, i));
    if (t && (!out.earliest_not_after || *t < *out.earliest_not_after)) out.earliest_not_after = t;
  }
  return out;
}

class TlsCertProbe final : public Probe {
 public:
  TlsCertProbe(std::shared_ptr<const TlsCertSpec> spec, std::shared_ptr<const Clock> clock)
      : spec_(std::move(spec)), clock_(std::move(clock)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const TlsCertSpec& spec = *spec_;
    const net::ResolvedHost resolved =
        co_await net::ResolveHost(ctx.executor, spec.address.host, spec.address_choice, ctx.deadline);
    if (resolved.status != net::ResolvedHost::Status::kOk) {
      net::ConcludeUnresolved(resolved, result);
      co_return;
    }
    result.Observe("ip_protocol", resolved.address.is_v4() ? 4 : 6);
    const std::string peer = net::JoinHostPort(resolved.address.to_string(), spec.address.port);

    runbookd::tcp::Connection connection(ctx.executor);
    if (error_code ec = co_await connection.Connect({resolved.address, spec.address.port}, ctx.deadline)) {
      if (ec == asio::error::operation_aborted) {
        result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
      } else {
        result.Conclude(ProbeStatus::kUnhealthy, runbookd::tcp::ConnectFailureReason(ec),
                        "connect to " + peer + ": " + (ec == asio::error::timed_out ? "timed out" : ec.message()));
      }
      co_return;
    }

    const std::string server_name = tls::EffectiveServerName(spec.options, spec.address.host);
    tls::HandshakeFailure failure;
    const error_code ec = co_await connection.StartTls(*spec.context, server_name, spec.options.insecure_skip_verify,
                                                       ctx.deadline, failure);
    const PresentedChain chain = Presented(connection.ssl());
    const double now = std::chrono::duration<double>(clock_->WallNow().time_since_epoch()).count();
    if (chain.leaf_not_after) result.Observe("tls_cert_days_left", (*chain.leaf_not_after - now) / 86400);
    if (chain.earliest_not_after)
      result.Observe("ssl_earliest_cert_expiry", static_cast<double>(*chain.earliest_not_after));

    if (ec == asio::error::operation_aborted) {
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
      co_return;
    }
    if (ec == asio::error::timed_out) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, "TLS handshake with " + peer + ": timed out");
      co_return;
    }
    if (ec) {
      result.Conclude(ProbeStatus::kUnhealthy, failure.reason, server_name + " at " + peer + ": " + failure.message);
      co_return;
    }
    if (!chain.earliest_not_after) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError, peer + " presented no certificate");
      co_return;
    }
    // The earliest expiry over the chain decides, as blackbox's probe_ssl_earliest_cert_expiry
    // alerts do: an intermediate that runs out first breaks the chain just the same.
    const double days_left = (static_cast<double>(*chain.earliest_not_after) - now) / 86400;
    const std::string until = " (" + Utc(*chain.earliest_not_after) + ")";
    if (days_left < 0) {
      // Only reachable with insecure_skip_verify: verification would have refused it.
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kCertExpired,
                      server_name + ": certificate expired " + Days(-days_left) + " days ago" + until);
    } else if (days_left < spec.min_days_left) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kCertExpiringSoon,
                      server_name + ": certificate expires in " + Days(days_left) + " days" + until +
                          ", under min_days_left " + Days(spec.min_days_left));
    } else {
      result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk,
                      server_name + ": certificate valid for " + Days(days_left) + " more days" + until);
    }
  }

  std::shared_ptr<const TlsCertSpec> spec_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    auto parsed = ReadSpec(spec);
    if (!parsed) return nullptr;
    // The injected clock (not owned: it outlives every probe), else a system clock of our own.
    std::shared_ptr<const Clock> clock = deps.clock != nullptr
                                             ? std::shared_ptr<const Clock>(std::shared_ptr<void>(), deps.clock)
                                             : std::make_shared<const SystemClock>();
    return std::make_unique<TlsCertProbe>(std::make_shared<const TlsCertSpec>(std::move(*parsed)), std::move(clock));
  };
}

}  // namespace runbookd::probes::tls_cert
