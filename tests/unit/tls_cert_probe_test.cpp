// The tls_cert probe against in-process TLS servers with certificates generated at test time.
#include "probes/tls_cert/tls_cert_probe.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/support/manual_clock.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"
#include "tests/unit/tcp_probe_harness.hpp"

using namespace std::chrono_literals;
using namespace runbookd::probetest;
using runbookd::ProbeReason;
using runbookd::ProbeStatus;
using runbookd::probes::tls_cert::MakeProbeFactory;
using runbookd::testing::CertFiles;
using runbookd::testing::TestCerts;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestServerTls;

namespace {

// An HTTPS server presenting `cert` (with its chain).
std::unique_ptr<TestHttpServer> ServerWith(const CertFiles& cert) {
  return std::make_unique<TestHttpServer>(
      [](const runbookd::testing::TestRequest&) { return runbookd::testing::TestResponse{}; },
      TestServerTls{cert.chain, cert.key, ""});
}

std::string Spec(const TestCerts& certs, const TestHttpServer& server, const std::string& extra = "",
                 const std::string& host = "localhost") {
  return "address: " + host + ":" + std::to_string(server.port()) + "\nip_protocol: ip4\nca_file: \"" +
         certs.ca.ca_cert() + "\"\n" + extra;
}

}  // namespace

TEST_CASE("tls_cert: a valid certificate with plenty of days left is healthy", "[tls_cert]") {
  TestCerts certs;
  auto server = ServerWith(certs.server);
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server)));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
  CHECK(out.result.detail.rfind("localhost: certificate valid for ", 0) == 0);
  CHECK(out.result.detail.find(" more days (") != std::string::npos);
  CHECK(Observed(out.result, "tls_cert_days_left") == Approx(30).margin(0.1));
  CHECK(Observed(out.result, "ssl_earliest_cert_expiry") > 0);
}

TEST_CASE("tls_cert: fewer days left than min_days_left is cert_expiring_soon", "[tls_cert]") {
  TestCerts certs;
  runbookd::testing::LeafSpec spec;
  spec.not_after = std::chrono::hours(24 * 3);
  const CertFiles soon = certs.ca.Issue(spec, "soon");
  auto server = ServerWith(soon);

  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server)));  // default min_days_left 14
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertExpiringSoon);
  CHECK(Observed(out.result, "tls_cert_days_left") == Approx(3).margin(0.1));

  auto relaxed = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server, "min_days_left: 2")));
  CHECK(relaxed.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tls_cert: days are counted with the injected clock", "[tls_cert]") {
  TestCerts certs;  // server certificate: 30 days
  auto server = ServerWith(certs.server);
  runbookd::testing::ManualClock clock;
  clock.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(
      (std::chrono::system_clock::now() + std::chrono::hours(24 * 20)) - clock.WallNow()));
  runbookd::ProbeDeps deps;
  deps.clock = &clock;
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server), deps));
  INFO(out.result.detail);
  CHECK(out.result.reason == ProbeReason::kCertExpiringSoon);
  CHECK(Observed(out.result, "tls_cert_days_left") == Approx(10).margin(0.1));
}

TEST_CASE("tls_cert: an expired certificate is cert_expired", "[tls_cert]") {
  TestCerts certs;
  auto server = ServerWith(certs.expired);
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server)));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertExpired);
  CHECK(out.result.detail.find("certificate has expired") != std::string::npos);
  // The certificate was seen even though verification refused it.
  CHECK(Observed(out.result, "tls_cert_days_left") == Approx(-1).margin(0.1));

  auto insecure = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server, "insecure_skip_verify: true")));
  INFO(insecure.result.detail);
  CHECK(insecure.result.reason == ProbeReason::kCertExpired);
  CHECK(Observed(insecure.result, "tls_cert_days_left") < 0);
}

TEST_CASE("tls_cert: a certificate for another name is cert_hostname_mismatch", "[tls_cert]") {
  TestCerts certs;
  auto server = ServerWith(certs.wrong_host);
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server)));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertHostnameMismatch);

  // Asking for the name the certificate does cover makes it pass.
  auto named = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server, "server_name: wrong.example.com")));
  INFO(named.result.detail);
  CHECK(named.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tls_cert: a chain from an untrusted CA is cert_untrusted", "[tls_cert]") {
  TestCerts certs;
  auto server = ServerWith(certs.untrusted);
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server)));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kUnhealthy);
  CHECK(out.result.reason == ProbeReason::kCertUntrusted);
}

TEST_CASE("tls_cert: an IP address is verified against the certificate's IP SANs", "[tls_cert]") {
  TestCerts certs;
  auto server = ServerWith(certs.server);
  auto out = RunOnce(*BuildProbe(MakeProbeFactory(), Spec(certs, *server, "", "127.0.0.1")));
  INFO(out.result.detail);
  CHECK(out.result.status == ProbeStatus::kHealthy);
}

TEST_CASE("tls_cert: a blackholed address times out within timeout + 100 ms", "[tls_cert]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto probe = BuildProbe(MakeProbeFactory(), "address: 127.0.0.1:" + std::to_string(blackhole.port()));
  auto out = RunOnce(*probe, 500ms);
  CHECK(out.result.reason == ProbeReason::kTimeout);
  CHECK(out.elapsed <= 600ms);
}

TEST_CASE("tls_cert: config errors", "[tls_cert][config]") {
  CHECK(ConfigErrors(MakeProbeFactory(), "min_days_left: 3\n") ==
        "t.yaml:1:1: (root): missing required key \"address\"\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: a:443\nmin_days_left: -1\n") ==
        "t.yaml:2:16: min_days_left: must not be negative\n");
  CHECK(ConfigErrors(MakeProbeFactory(), "address: a:443\nmin_day_left: 3\n") ==
        "t.yaml:2:1: min_day_left: unknown key \"min_day_left\" (did you mean \"min_days_left\"?)\n");
}
