#include "probes/dns/dns_probe.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clients/dns/exchange.hpp"
#include "daemon/clients/dns/message.hpp"
#include "daemon/clients/dns/resolver.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/dns/dns_config.hpp"

namespace runbookd::probes::dns {

namespace asio = boost::asio;
namespace wire = runbookd::dns;

namespace {

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// Where to send the query and how.
struct Route {
  std::optional<wire::HostPort> server;  // nullopt: the system's resolvers
  wire::AddressChoice choice;
  bool use_tcp = false;
  bool tcp_fallback = true;
};

// Resolves the server (when it is a name), sends the query and parses the answer. On failure
// concludes `result` and returns nullopt. Observations follow blackbox_exporter.
asio::awaitable<std::optional<wire::Message>> Ask(const ProbeContext& ctx, const Route& route,
                                                  const std::vector<uint8_t>& query, ProbeResult& result) {
  wire::ExchangeOptions options;
  options.use_tcp = route.use_tcp;
  options.tcp_fallback = route.tcp_fallback;
  std::string where = "the system resolvers";
  if (route.server) {
    const wire::ResolvedHost resolved =
        co_await wire::ResolveHost(ctx.executor, route.server->host, route.choice, ctx.deadline);
    result.Observe("dns_lookup_time_seconds", Seconds(resolved.lookup_time));
    result.Observe("dns_duration_seconds{phase=\"resolve\"}", Seconds(resolved.lookup_time));
    switch (resolved.status) {
      case wire::ResolvedHost::Status::kOk:
        break;
      case wire::ResolvedHost::Status::kTimeout:
        result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, resolved.error);
        co_return std::nullopt;
      case wire::ResolvedHost::Status::kCancelled:
        result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
        co_return std::nullopt;
      default:
        result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsError, resolved.error);
        co_return std::nullopt;
    }
    result.Observe("ip_protocol", resolved.address.is_v4() ? 4 : 6);
    result.Observe("ip_addr_hash", wire::IpAddressHash(resolved.address));
    options.server = wire::Nameserver{resolved.address, route.server->port};
    where = wire::JoinHostPort(resolved.address.to_string(), route.server->port);
  }

  // blackbox splits the exchange into connect and request; c-ares does both in one step, so
  // it all counts as request.
  const auto request_start = std::chrono::steady_clock::now();
  const wire::ExchangeResult exchange = co_await wire::Exchange(ctx.executor, options, query, ctx.deadline);
  result.Observe("dns_duration_seconds{phase=\"request\"}", Seconds(std::chrono::steady_clock::now() - request_start));
  switch (exchange.status) {
    case wire::ExchangeResult::Status::kOk:
      break;
    case wire::ExchangeResult::Status::kTimeout:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kTimeout, "no answer from " + where + " in time");
      co_return std::nullopt;
    case wire::ExchangeResult::Status::kRefused:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kConnectionRefused, where + ": connection refused");
      co_return std::nullopt;
    case wire::ExchangeResult::Status::kCancelled:
      result.Conclude(ProbeStatus::kUnknown, ProbeReason::kTimeout, "cancelled");
      co_return std::nullopt;
    case wire::ExchangeResult::Status::kError:
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kConnectionFailed, where + ": " + exchange.error);
      co_return std::nullopt;
  }
  std::string error;
  std::optional<wire::Message> message = wire::ParseMessage(exchange.answer, error);
  if (!message) {
    result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kProtocolError, where + " sent a bad answer: " + error);
    co_return std::nullopt;
  }
  result.Observe("dns_answer_rrs", static_cast<double>(message->answer.size()));
  result.Observe("dns_authority_rrs", static_cast<double>(message->authority.size()));
  result.Observe("dns_additional_rrs", static_cast<double>(message->additional.size()));
  result.Observe("dns_query_succeeded", 1);
  co_return message;
}

bool Contains(const std::vector<int>& rcodes, int rcode) {
  for (int r : rcodes) {
    if (r == rcode) return true;
  }
  return false;
}

class DnsProbe final : public Probe {
 public:
  explicit DnsProbe(std::shared_ptr<const wire::DnsProbeSpec> spec) : spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const wire::DnsProbeSpec& spec = *spec_;
    const std::string question = spec.name + " " + wire::RecordTypeName(spec.record_type);
    Route route{spec.server, spec.server_address, spec.use_tcp, true};
    std::optional<wire::Message> message = co_await Ask(ctx, route, spec.query, result);
    if (!message) {
      result.detail = question + ": " + result.detail;
      co_return;
    }
    if (!Contains(spec.expect_rcode, message->rcode)) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsRcode,
                      question + ": " + wire::RcodeName(message->rcode) + " (expected " +
                          wire::DescribeRcodes(spec.expect_rcode) + ")");
      co_return;
    }
    // The records of the asked type (a CNAME chain's final records count for A, AAAA, ...).
    std::vector<const wire::ResourceRecord*> records;
    for (const wire::ResourceRecord& rr : message->answer) {
      if (rr.type == spec.record_type) records.push_back(&rr);
    }
    std::string values;
    for (const auto* rr : records) values += (values.empty() ? "" : ", ") + rr->value;
    if (message->rcode == wire::kRcodeNoError && records.empty()) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsAnswerMismatch,
                      question + ": no " + wire::RecordTypeName(spec.record_type) + " records in the answer");
      co_return;
    }
    for (const GoRegex& re : spec.expect) {
      bool matched = false;
      for (const auto* rr : records) matched = matched || re.Search(rr->value);
      if (!matched) {
        result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsAnswerMismatch,
                        question + ": no answer matches \"" + re.pattern() + "\" (got: " + values + ")");
        co_return;
      }
    }
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk,
                    question + ": " + (values.empty() ? wire::RcodeName(message->rcode) : values));
  }

  std::shared_ptr<const wire::DnsProbeSpec> spec_;
};

class DnsModuleProbe final : public Probe {
 public:
  DnsModuleProbe(std::shared_ptr<const wire::DnsModuleConfig> module, wire::HostPort target)
      : module_(std::move(module)), target_(std::move(target)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const wire::DnsModuleConfig& module = *module_;
    // blackbox registers these before it starts, so they read 0 when a step fails.
    for (const char* name :
         {"dns_lookup_time_seconds", "ip_protocol", "ip_addr_hash", "dns_answer_rrs", "dns_authority_rrs",
          "dns_additional_rrs", "dns_query_succeeded", "dns_duration_seconds{phase=\"resolve\"}",
          "dns_duration_seconds{phase=\"connect\"}", "dns_duration_seconds{phase=\"request\"}"}) {
      result.Observe(name, 0);
    }
    Route route{target_, module.target_address, module.use_tcp, false};  // blackbox never retries over TCP
    std::optional<wire::Message> message = co_await Ask(ctx, route, module.query, result);
    if (!message) co_return;
    if (module.query_type == wire::kTypeSoa) {
      double serial = 0;
      for (const wire::ResourceRecord& rr : message->answer) {
        if (rr.soa_serial) serial = *rr.soa_serial;
      }
      result.Observe("dns_serial", serial);
    }
    if (!Contains(module.valid_rcodes, message->rcode)) {
      result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsRcode,
                      "rcode " + wire::RcodeName(message->rcode) + " is not one of the valid rcodes (" +
                          wire::DescribeRcodes(module.valid_rcodes) + ")");
      co_return;
    }
    struct Section {
      const char* name;
      const std::vector<wire::ResourceRecord>& records;
      const wire::RrValidator& validator;
    };
    const Section sections[] = {{"answer", message->answer, module.validate_answer},
                                {"authority", message->authority, module.validate_authority},
                                {"additional", message->additional, module.validate_additional}};
    for (const Section& section : sections) {
      if (auto why = wire::ValidateRecords(section.records, section.validator)) {
        result.Conclude(ProbeStatus::kUnhealthy, ProbeReason::kDnsAnswerMismatch,
                        std::string(section.name) + " records: " + *why);
        co_return;
      }
    }
    result.Conclude(
        ProbeStatus::kHealthy, ProbeReason::kOk,
        wire::RcodeName(message->rcode) + ", " + std::to_string(message->answer.size()) + " answer records");
  }

  std::shared_ptr<const wire::DnsModuleConfig> module_;
  wire::HostPort target_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps&) -> std::unique_ptr<Probe> {
    auto parsed = wire::ReadDnsProbeSpec(spec);
    if (!parsed) return nullptr;
    return std::make_unique<DnsProbe>(std::make_shared<const wire::DnsProbeSpec>(std::move(*parsed)));
  };
}

ModuleFactory MakeModuleFactory() {
  return [](const config::Node& block, const ProbeDeps&) -> TargetProbeBuilder {
    auto parsed = wire::ReadDnsModule(block);
    if (!parsed) return nullptr;
    auto module = std::make_shared<const wire::DnsModuleConfig>(std::move(*parsed));
    return [module](const std::string& target, std::string& error) -> std::unique_ptr<Probe> {
      auto host_port = wire::SplitHostPort(target, 53, error);
      if (!host_port) return nullptr;
      return std::make_unique<DnsModuleProbe>(module, std::move(*host_port));
    };
  };
}

}  // namespace runbookd::probes::dns
