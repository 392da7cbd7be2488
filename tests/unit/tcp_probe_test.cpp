// The tcp probe and the blackbox `tcp:` module against in-process servers on loopback.
#include "probes/tcp/tcp_probe.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/unit/tcp_probe_harness.hpp"

using namespace std::chrono_literals;
using namespace runbookd::probetest;
using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::probes::tcp::MakeModuleFactory;
using runbookd::probes::tcp::MakeProbeFactory;
using runbookd::testing::TestCerts;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestServerTls;

namespace {

TestHttpServer::Handler Ok() {
  return [](const runbookd::testing::TestRequest&) { return runbookd::testing::TestResponse{}; };
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

TEST_CASE("tcp: a listening port is healthy", "[tcp]") {
  ScriptedServer server([](ScriptedConnection&) {});
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address()));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.detail == "connected to " + server.address());
  CHECK(Observed(out.result, "ip_protocol") == 4);
  CHECK(out.result.Find("failed_due_to_regex") == nullptr);  // no dialogue, no regex
}

TEST_CASE("tcp: a name resolves through the hosts file", "[tcp]") {
  ScriptedServer server([](ScriptedConnection&) {});
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address("localhost") + "\nip_protocol: ip4"));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tcp: a refused port is connection_refused", "[tcp]") {
  const auto port = runbookd::testing::RefusedPort();
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(port)));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kConnectionRefused);
}

TEST_CASE("tcp: a blackholed address times out within timeout + 100 ms", "[tcp]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto probe = BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(blackhole.port()));
  auto out = RunOnce(*probe, 500ms);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed >= 450ms);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("tcp: cancelling a run stops it at once", "[tcp]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto connect = BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(blackhole.port()));
  CHECK(RunCancelled(*connect, 100ms) <= 200ms);

  ScriptedServer silent([](ScriptedConnection& c) { c.WaitForClose(); });
  auto handshake =
      BuildProbe(MakeProbeFactory(), "address: " + silent.address() + "\ntls: true\ninsecure_skip_verify: true");
  CHECK(RunCancelled(*handshake, 100ms) <= 200ms);
  auto expect = BuildProbe(MakeProbeFactory(), "address: " + silent.address() + "\nexpect: never");
  CHECK(RunCancelled(*expect, 100ms) <= 200ms);
}

TEST_CASE("tcp: send and expect", "[tcp]") {
  ScriptedServer server([](ScriptedConnection& c) {
    if (c.ReadLine() == "PING") c.Send("+PONG\r\n");
    c.WaitForClose();
  });
  auto ok =
      RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address() + "\nsend: PING\nexpect: '^\\+PONG$'"));
  INFO(ok.result.detail);
  CHECK(ok.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(ok.result, "failed_due_to_regex") == 0);

  auto steps = RunOnce(*BuildProbe(
      MakeProbeFactory(), "address: " + server.address() + "\nsteps:\n  - {send: PING}\n  - {expect: PONG}\n"));
  CHECK(steps.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tcp: an expect that never matches before the peer closes is expect_mismatch", "[tcp]") {
  ScriptedServer server([](ScriptedConnection& c) { c.Send("220 mail.example.com ESMTP\r\nbye\r\n"); });
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address() + "\nexpect: '^SSH-2\\.0-'"));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kExpectMismatch);
  CHECK(out.result.detail ==
        server.address() + " closed the connection before a line matched \"^SSH-2\\.0-\" (last line: \"bye\")");
  CHECK(Observed(out.result, "failed_due_to_regex") == 1);
}

TEST_CASE("tcp: an expect still unmatched at the deadline is timeout", "[tcp]") {
  ScriptedServer server([](ScriptedConnection& c) {
    c.Send("hello\r\n");
    c.WaitForClose();
  });
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), "address: " + server.address() + "\nexpect: never"), 500ms);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("tcp: TLS with a trusted certificate", "[tcp][tls]") {
  TestCerts certs;
  TestHttpServer server(Ok(), TestServerTls{certs.server.chain, certs.server.key, ""});
  const std::string spec = "address: localhost:" + std::to_string(server.port()) +
                           "\ntls: true\nca_file: " + Quoted(certs.ca.ca_cert()) + "\nip_protocol: ip4";
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(out.result, "ssl_earliest_cert_expiry") > 0);
  CHECK(Observed(out.result, "ssl_last_chain_expiry_timestamp_seconds") > 0);
  CHECK(Observed(out.result, "tls_version_info{version=\"TLS 1.3\"}") == 1);
}

TEST_CASE("tcp: TLS with an expired certificate is cert_expired", "[tcp][tls]") {
  TestCerts certs;
  TestHttpServer server(Ok(), TestServerTls{certs.expired.chain, certs.expired.key, ""});
  const std::string spec =
      "address: 127.0.0.1:" + std::to_string(server.port()) + "\ntls: true\nca_file: " + Quoted(certs.ca.ca_cert());
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), spec));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertExpired);

  auto insecure = RunOnce(*BuildProbe(MakeProbeFactory(), spec + "\ninsecure_skip_verify: true"));
  CHECK(insecure.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tcp: TLS against a server that never answers the handshake times out", "[tcp][tls]") {
  ScriptedServer server([](ScriptedConnection& c) { c.WaitForClose(); });
  auto probe =
      BuildProbe(MakeProbeFactory(), "address: " + server.address() + "\ntls: true\ninsecure_skip_verify: true");
  auto out = RunOnce(*probe, 500ms);
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("tcp module: query_response expands submatches into send", "[tcp][blackbox]") {
  ScriptedServer server([](ScriptedConnection& c) {
    c.Send("SSH-2.0-OpenSSH_9.2\r\n");
    if (c.ReadLine() == "client saw OpenSSH_9.2") c.Send("ok\n");
    c.WaitForClose();
  });
  const std::string block =
      "query_response:\n"
      "  - {expect: '^SSH-2.0-(\\S+)', send: 'client saw $1'}\n"
      "  - {expect: '^ok$'}\n";
  auto out = RunOnce(*BuildModuleProbe(MakeModuleFactory(), block, server.address()));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(out.result, "failed_due_to_regex") == 0);
  CHECK(Observed(out.result, "ip_protocol") == 4);
}

TEST_CASE("tcp module: a regex that never matches sets failed_due_to_regex", "[tcp][blackbox]") {
  ScriptedServer server([](ScriptedConnection& c) { c.Send("nope\n"); });
  auto out = RunOnce(*BuildModuleProbe(MakeModuleFactory(), "query_response: [{expect: '^yes'}]", server.address()));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(Observed(out.result, "failed_due_to_regex") == 1);
}

TEST_CASE("tcp module: STARTTLS upgrades the connection mid-dialogue", "[tcp][blackbox][tls]") {
  TestCerts certs;
  ScriptedServer server([&certs](ScriptedConnection& c) {
    c.Send("220 ready\r\n");
    if (c.ReadLine() != "STARTTLS") return;
    c.Send("220 go ahead\r\n");
    if (!c.StartTls(certs.server.chain, certs.server.key)) return;
    c.Send("250 secure\r\n");
    c.WaitForClose();
  });
  const std::string block =
      "query_response:\n"
      "  - {expect: '^220 ready', send: STARTTLS}\n"
      "  - {expect: '^220 go', starttls: true}\n"
      "  - {expect: '^250 secure'}\n"
      "tls_config: {ca_file: " +
      Quoted(certs.ca.ca_cert()) + ", server_name: localhost}\n";
  auto out = RunOnce(*BuildModuleProbe(MakeModuleFactory(), block, server.address()));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(Observed(out.result, "ssl_earliest_cert_expiry") > 0);
}

TEST_CASE("tcp module: tls: true with an expired certificate fails", "[tcp][blackbox][tls]") {
  TestCerts certs;
  TestHttpServer server(Ok(), TestServerTls{certs.expired.chain, certs.expired.key, ""});
  const std::string block = "tls: true\ntls_config: {ca_file: " + Quoted(certs.ca.ca_cert()) + "}\n";
  auto out = RunOnce(*BuildModuleProbe(MakeModuleFactory(), block, "localhost:" + std::to_string(server.port())));
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertExpired);
}

TEST_CASE("tcp module: targets need a port", "[tcp][blackbox]") {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse("{}", "blackbox.yml", diags);
  auto builder = MakeModuleFactory()(doc.root(), runbookd::ProbeDeps{});
  REQUIRE(builder);
  std::string error;
  CHECK_FALSE(builder("example.com", error));
  CHECK(error == "missing port in \"example.com\" (use host:port)");
}

TEST_CASE("tcp config: errors", "[tcp][config]") {
  CHECK(ConfigErrors(MakeProbeFactory(), "tls: true\n") == "t.yaml:1:1: (root): missing required key \"address\"\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: example.com\n") ==
        "t.yaml:1:10: address: missing port in \"example.com\" (use host:port)\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: a:1\nca_file: /x\n") ==
        "t.yaml:2:10: ca_file: ca_file needs tls: true\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: a:1\nsend: x\nsteps: [{send: y}]\n") ==
        "t.yaml:3:8: steps: give either send/expect or steps, not both\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: a:1\ntls: true\nca_file: /nonexistent/ca.pem\n")
            .find("t.yaml:3:10: ca_file: cannot read \"/nonexistent/ca.pem\"") == 0);
  CHECK(ConfigErrors(MakeModuleFactory(), "source_ip_address: 10.0.0.1\n") ==
        "t.yaml:1:20: source_ip_address: source_ip_address is not supported by runbookd\n");
  CHECK(ConfigErrors(MakeModuleFactory(), "query_response: [{expect: '('}]\n").find("invalid regular expression") !=
        std::string::npos);
}
