// The dns probe and the blackbox `dns:` module against a real dnsmasq on loopback.
#include "probes/dns/dns_probe.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "config/node.hpp"
#include "tests/support/dnsmasq.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/test_http_server.hpp"

namespace {

using namespace std::chrono_literals;
using runbookd::Probe;
using runbookd::ProbeReason;
using runbookd::ProbeResult;
using runbookd::ProbeStatus;
using runbookd::testing::Dnsmasq;

struct Outcome {
  ProbeResult result;
  std::chrono::milliseconds elapsed{0};
};

Outcome RunOnce(const Probe& probe, std::chrono::milliseconds timeout = 2s) {
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  runbookd::ProbeContext ctx{io.get_executor(), start + timeout};
  Outcome out;
  boost::asio::co_spawn(io, probe.Run(ctx), [&](std::exception_ptr e, ProbeResult r) {
    REQUIRE_FALSE(e);
    out.result = std::move(r);
  });
  io.run();
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return out;
}

// Cancels the run after `cancel_after` (as the core does when its deadline timer wins) and
// returns how long until the io_context had nothing left: c-ares must be let go of at once.
std::chrono::milliseconds RunCancelled(const Probe& probe, std::chrono::milliseconds cancel_after) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  runbookd::ProbeContext ctx{io.get_executor(), start + 30s};
  boost::asio::steady_timer timer(io, start + cancel_after);
  bool timer_won = false;
  boost::asio::co_spawn(
      io, probe.Run(ctx) || timer.async_wait(boost::asio::use_awaitable),
      [&](std::exception_ptr e, std::variant<ProbeResult, std::monostate> r) { timer_won = !e && r.index() == 1; });
  io.run();
  REQUIRE(timer_won);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// Builds a `type: dns` probe from its spec; REQUIREs a clean config.
std::unique_ptr<Probe> DnsProbe(const std::string& spec_yaml) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(spec_yaml, "spec.yaml", diags);
  auto probe = runbookd::probes::dns::MakeProbeFactory()(doc.root(), runbookd::ProbeDeps{});
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(probe);
  return probe;
}

// Builds the /probe probe of a blackbox `dns:` module block for `target`.
std::unique_ptr<Probe> ModuleProbe(const std::string& block_yaml, const std::string& target) {
  return runbookd::probetest::BuildModuleProbe(runbookd::probes::dns::MakeModuleFactory(), block_yaml, target);
}

double Observed(const ProbeResult& r, std::string_view name) {
  const double* v = r.Find(name);
  INFO("observation " << name);
  REQUIRE(v != nullptr);
  return *v;
}

Dnsmasq& Server() {
  // One dnsmasq for the whole executable: CTest runs each test case as its own process anyway.
  static Dnsmasq server({
      "--host-record=exists.test,10.1.2.3",
      "--host-record=v6.test,fd00::1",
      "--txt-record=txt.test,v=spf1 -all,hello world",
      "--mx-host=mx.test,mail.test,10",
      "--cname=alias.test,exists.test",
      "--srv-host=_http._tcp.srv.test,exists.test,8080,1,2",
      // Over 512 bytes: the UDP answer is truncated, so the full one needs the TCP fallback.
      "--txt-record=big.test," + std::string(200, 'a') + "," + std::string(200, 'b') + "," + std::string(200, 'c'),
  });
  return server;
}

std::string Spec(const std::string& body) { return body + "\nserver: \"" + Server().address() + "\"\n"; }

// A UDP socket that is bound but never read: queries to it go unanswered, and no ICMP comes back.
class SilentUdpServer {
 public:
  SilentUdpServer() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentUdpServer() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A UDP port nobody listens on: the kernel answers with ICMP port unreachable.
int ClosedUdpPort() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("dns: an A record that exists is healthy", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: exists.test\nexpect: ['^10\\.1\\.2\\.3$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.reason == ProbeReason::kOk);
  CHECK(out.result.detail == "exists.test A: 10.1.2.3");
  CHECK(Observed(out.result, "dns_answer_rrs") == 1);
  CHECK(Observed(out.result, "dns_query_succeeded") == 1);
  CHECK(Observed(out.result, "ip_protocol") == 4);
}

TEST_CASE("dns: AAAA records", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: v6.test\nrecord_type: AAAA\nexpect: ['^fd00::1$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: TXT records are matched on their joined strings", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: txt.test\nrecord_type: TXT\nexpect: ['^v=spf1 -allhello world$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: MX records", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: mx.test\nrecord_type: MX\nexpect: ['^10 mail\\.test$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: CNAME records, and A through a CNAME", "[dns]") {
  auto cname = RunOnce(*DnsProbe(Spec("name: alias.test\nrecord_type: CNAME\nexpect: ['^exists\\.test$']")));
  INFO(cname.result.detail);
  CHECK(cname.result.status == ProbeStatus::kHealthy);
  auto a = RunOnce(*DnsProbe(Spec("name: alias.test\nexpect: ['10\\.1\\.2\\.3']")));
  INFO(a.result.detail);
  CHECK(a.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: SRV records", "[dns]") {
  auto out =
      RunOnce(*DnsProbe(Spec("name: _http._tcp.srv.test\nrecord_type: SRV\nexpect: ['^1 2 8080 exists\\.test$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: NXDOMAIN is unhealthy with reason dns_rcode", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: missing.test")));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kDnsRcode);
  CHECK(out.result.detail == "missing.test A: NXDOMAIN (expected NOERROR)");
}

TEST_CASE("dns: expect_rcode NXDOMAIN makes a missing name healthy", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: missing.test\nexpect_rcode: NXDOMAIN")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: an answer that misses the expect regex is dns_answer_mismatch", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: exists.test\nexpect: ['^10\\.9\\.9\\.9$']")));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kDnsAnswerMismatch);
  CHECK(out.result.detail == "exists.test A: no answer matches \"^10\\.9\\.9\\.9$\" (got: 10.1.2.3)");
}

TEST_CASE("dns: NOERROR without records of the type is dns_answer_mismatch", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: exists.test\nrecord_type: MX")));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kDnsAnswerMismatch);
}

TEST_CASE("dns: transport tcp", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: exists.test\ntransport: tcp\nexpect: ['10\\.1\\.2\\.3']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: a truncated UDP answer is asked again over TCP", "[dns]") {
  auto out = RunOnce(*DnsProbe(Spec("name: big.test\nrecord_type: TXT\nexpect: ['^a{200}b{200}c{200}$']")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns: a server that never answers gives timeout within the deadline", "[dns]") {
  SilentUdpServer silent;
  auto probe = DnsProbe("name: exists.test\nserver: \"" + silent.address() + "\"");
  auto out = RunOnce(*probe, 500ms);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed >= 450ms);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("dns: cancelling a run stops it at once", "[dns]") {
  SilentUdpServer silent;
  CHECK(RunCancelled(*DnsProbe("name: exists.test\nserver: \"" + silent.address() + "\""), 100ms) <= 200ms);
  runbookd::testing::BlackholeListener blackhole;  // a TCP connect that never completes
  REQUIRE(blackhole.works());
  const std::string tcp = "name: exists.test\ntransport: tcp\nserver: 127.0.0.1:" + std::to_string(blackhole.port());
  CHECK(RunCancelled(*DnsProbe(tcp), 100ms) <= 200ms);
}

TEST_CASE("dns: a closed UDP port is connection_refused", "[dns]") {
  auto out = RunOnce(*DnsProbe("name: exists.test\nserver: 127.0.0.1:" + std::to_string(ClosedUdpPort())));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionRefused);
}

TEST_CASE("dns module: an existing name succeeds with blackbox's observations", "[dns][blackbox]") {
  auto out = RunOnce(*ModuleProbe("query_name: exists.test\nquery_type: A\n", Server().address()));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(out.result, "dns_answer_rrs") == 1);
  CHECK(Observed(out.result, "dns_authority_rrs") == 0);
  CHECK(Observed(out.result, "dns_query_succeeded") == 1);
  CHECK(Observed(out.result, "ip_protocol") == 4);  // 127.0.0.1: ip6 preferred, ip4 by fallback
  CHECK(Observed(out.result, "dns_lookup_time_seconds") == 0);
  CHECK(Observed(out.result, "dns_duration_seconds{phase=\"request\"}") > 0);
  CHECK(Observed(out.result, "dns_duration_seconds{phase=\"connect\"}") == 0);
}

TEST_CASE("dns module: NXDOMAIN fails with the default valid_rcodes", "[dns][blackbox]") {
  auto out = RunOnce(*ModuleProbe("query_name: missing.test\nquery_type: A\n", Server().address()));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kDnsRcode);
  CHECK(Observed(out.result, "dns_query_succeeded") == 1);
  auto allowed =
      RunOnce(*ModuleProbe("query_name: missing.test\nvalid_rcodes: [NOERROR, NXDOMAIN]\n", Server().address()));
  CHECK(allowed.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("dns module: answer validation sees records as miekg/dns prints them", "[dns][blackbox]") {
  const std::string ok_block =
      "query_name: exists.test\nquery_type: A\nvalidate_answer_rrs:\n"
      "  fail_if_not_matches_regexp: ['^exists\\.test\\.\\t\\d+\\tIN\\tA\\t10\\.1\\.2\\.3$']\n";
  auto ok = RunOnce(*ModuleProbe(ok_block, Server().address()));
  INFO(ok.result.detail);
  CHECK(ok.result.status == ProbeStatus::kHealthy);

  const std::string bad_block =
      "query_name: exists.test\nquery_type: A\nvalidate_answer_rrs:\n  fail_if_matches_regexp: ['.*10\\.1\\.2\\.3']\n";
  auto bad = RunOnce(*ModuleProbe(bad_block, Server().address()));
  CHECK(bad.result.status == ProbeStatus::kUnhealthy);
  CHECK(bad.result.reason == ProbeReason::kDnsAnswerMismatch);
}

TEST_CASE("dns module: a silent server fails within the deadline", "[dns][blackbox]") {
  SilentUdpServer silent;
  auto out = RunOnce(*ModuleProbe("query_name: exists.test\n", silent.address()), 500ms);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(Observed(out.result, "dns_query_succeeded") == 0);
  CHECK(out.elapsed <= 600ms);
}
