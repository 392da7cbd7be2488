#include "probes/http/http_probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "config/node.hpp"
#include "probes/http/http_check.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
using runbookd::testing::TestCerts;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;
using runbookd::testing::TestServerTls;
namespace asio = boost::asio;

namespace {

TestResponse Route(const TestRequest& req) {
  TestResponse res;
  const std::string& path = req.target;
  if (path == "/ok") {
    res.body = "hello world";
  } else if (path == "/fail") {
    res.status = 500;
    res.body = "boom";
  } else if (path == "/big") {
    res.body = std::string(100000, 'x');
  } else if (path == "/slow") {
    res.body = "late";
    res.delay = 300ms;
  } else if (path.rfind("/r/", 0) == 0) {
    const int n = std::stoi(path.substr(3));
    res.status = 302;
    res.headers.emplace_back("Location", n <= 1 ? "/ok" : "/r/" + std::to_string(n - 1));
  } else if (path == "/loop") {
    res.status = 302;
    res.headers.emplace_back("Location", "/loop");
  } else {
    res.status = 404;
  }
  return res;
}

// A probe built from `spec:` in `yaml`; errors land in `diags` (unknown keys included).
std::unique_ptr<Probe> FromSpec(const std::string& yaml, config::Diagnostics& diags) {
  auto doc = config::Document::Parse(yaml, "probe.yaml", diags);
  auto probe = probes::http::MakeProbeFactory()(doc.root()["spec"], ProbeDeps{});
  doc.CheckUnknownKeys();
  return probe;
}

std::unique_ptr<Probe> FromSpec(const std::string& yaml) {
  config::Diagnostics diags;
  auto probe = FromSpec(yaml, diags);
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(probe);
  return probe;
}

std::string SpecFor(const std::string& url, const std::string& more = "") {
  return "spec:\n  url: \"" + url + "\"\n" + more;
}

// A probe for `target` from a blackbox module whose `http:` block is in `yaml` (may be empty).
std::unique_ptr<Probe> FromModule(const std::string& yaml, const std::string& target, config::Diagnostics& diags) {
  auto doc = config::Document::Parse(yaml.empty() ? "{}" : yaml, "blackbox.yml", diags);
  auto builder = probes::http::MakeModuleFactory()(doc.root()["http"], ProbeDeps{});
  doc.CheckUnknownKeys();
  if (!builder) return nullptr;
  std::string error;
  auto probe = builder(target, error);
  INFO(error);
  return probe;
}

std::unique_ptr<Probe> FromModule(const std::string& yaml, const std::string& target) {
  config::Diagnostics diags;
  auto probe = FromModule(yaml, target, diags);
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(probe);
  return probe;
}

ProbeResult RunProbe(const Probe& probe, std::chrono::milliseconds timeout = 5s) {
  asio::io_context ioc;
  const ProbeContext ctx{ioc.get_executor(), std::chrono::steady_clock::now() + timeout};
  ProbeResult out;
  asio::co_spawn(ioc, probe.Run(ctx), [&out](std::exception_ptr e, ProbeResult r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  ioc.run();
  return out;
}

double Obs(const ProbeResult& r, std::string_view name) {
  const double* v = r.Find(name);
  INFO("observation " << name);
  REQUIRE(v != nullptr);
  return *v;
}

}  // namespace

TEST_CASE("a 200 page is healthy and observed with blackbox names", "[http_probe]") {
  TestHttpServer server(Route);
  auto r = RunProbe(*FromSpec(SpecFor(server.Url("/ok"))));
  INFO(r.detail);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail.rfind("GET " + server.Url("/ok") + ": status 200 in ", 0) == 0);
  CHECK(Obs(r, "http_status_code") == 200);
  CHECK(Obs(r, "http_content_length") == 11);
  CHECK(Obs(r, "http_ssl") == 0);
  CHECK(Obs(r, "http_redirects") == 0);
  CHECK(Obs(r, "http_version") == Approx(1.1));
  CHECK(Obs(r, "failed_due_to_regex") == 0);
  CHECK(Obs(r, "ip_protocol") == 4);
  CHECK(r.Find("ssl_earliest_cert_expiry") == nullptr);
  CHECK(r.Find("http_duration_seconds{phase=\"connect\"}") != nullptr);
}

TEST_CASE("status codes are checked against expect_status", "[http_probe]") {
  TestHttpServer server(Route);
  auto r = RunProbe(*FromSpec(SpecFor(server.Url("/fail"))));
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kHttpStatus);
  CHECK(r.detail == "GET " + server.Url("/fail") + ": status 500, expected 200-299");
  CHECK(Obs(r, "http_status_code") == 500);

  CHECK(RunProbe(*FromSpec(SpecFor(server.Url("/fail"), "  expect_status: [500]\n"))).status == ProbeStatus::kHealthy);
  CHECK(RunProbe(*FromSpec(SpecFor(server.Url("/fail"), "  expect_status: [\"5xx\"]\n"))).status ==
        ProbeStatus::kHealthy);
  auto only_204 = RunProbe(*FromSpec(SpecFor(server.Url("/ok"), "  expect_status: [204, 205]\n")));
  CHECK(only_204.detail == "GET " + server.Url("/ok") + ": status 200, expected 204, 205");
}

TEST_CASE("body checks: contains, regex, not-regex", "[http_probe]") {
  TestHttpServer server(Route);
  const std::string url = server.Url("/ok");
  CHECK(RunProbe(*FromSpec(SpecFor(url, "  body_regex: \"hel+o\"\n  body_contains: world\n"))).status ==
        ProbeStatus::kHealthy);

  auto mismatch = RunProbe(*FromSpec(SpecFor(url, "  body_regex: [\"^bye\"]\n")));
  CHECK(mismatch.status == ProbeStatus::kUnhealthy);
  CHECK(mismatch.reason == ProbeReason::kBodyMismatch);
  CHECK(mismatch.detail == "GET " + url + ": body did not match /^bye/");
  CHECK(Obs(mismatch, "failed_due_to_regex") == 1);
  CHECK(Obs(mismatch, "http_status_code") == 200);

  auto forbidden = RunProbe(*FromSpec(SpecFor(url, "  body_not_regex: \"(?i)WORLD\"\n")));
  CHECK(forbidden.reason == ProbeReason::kBodyMismatch);
  CHECK(forbidden.detail == "GET " + url + ": body matched /(?i)WORLD/");

  auto missing = RunProbe(*FromSpec(SpecFor(url, "  body_contains: [hello, nope]\n")));
  CHECK(missing.reason == ProbeReason::kBodyMismatch);
  CHECK(missing.detail == "GET " + url + ": body does not contain \"nope\"");
}

TEST_CASE("a body over max_body_bytes is unhealthy", "[http_probe]") {
  TestHttpServer server(Route);
  auto r = RunProbe(*FromSpec(SpecFor(server.Url("/big"), "  max_body_bytes: 1000\n")));
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kBodyTooLarge);
  CHECK(r.detail == "GET " + server.Url("/big") + ": response body larger than 1000 bytes");
  CHECK(Obs(r, "http_status_code") == 200);
}

TEST_CASE("redirects: followed, refused, too many", "[http_probe]") {
  TestHttpServer server(Route);
  auto followed = RunProbe(*FromSpec(SpecFor(server.Url("/r/2"))));
  CHECK(followed.status == ProbeStatus::kHealthy);
  CHECK(Obs(followed, "http_redirects") == 2);

  auto refused = RunProbe(*FromSpec(SpecFor(server.Url("/r/2"), "  follow_redirects: false\n")));
  CHECK(refused.reason == ProbeReason::kRedirect);
  CHECK(refused.detail == "GET " + server.Url("/r/2") + ": status 302 redirect to /r/1 not followed");
  CHECK(Obs(refused, "http_status_code") == 302);

  auto limited = RunProbe(*FromSpec(SpecFor(server.Url("/r/3"), "  max_redirects: 2\n")));
  CHECK(limited.reason == ProbeReason::kRedirect);
  CHECK(limited.detail == "GET " + server.Url("/r/3") + ": status 302 redirect to /ok, stopped after 2 redirects");

  auto loop = RunProbe(*FromSpec(SpecFor(server.Url("/loop"))));
  CHECK(loop.status == ProbeStatus::kUnhealthy);
  CHECK(loop.reason == ProbeReason::kRedirect);
  CHECK(Obs(loop, "http_redirects") == 11);
}

TEST_CASE("an answer slower than latency_threshold is unhealthy", "[http_probe]") {
  TestHttpServer server(Route);
  auto slow = RunProbe(*FromSpec(SpecFor(server.Url("/slow"), "  latency_threshold: 50ms\n")));
  CHECK(slow.status == ProbeStatus::kUnhealthy);
  CHECK(slow.reason == ProbeReason::kSlowResponse);
  CHECK(slow.detail.find("slower than 50ms") != std::string::npos);
  CHECK(RunProbe(*FromSpec(SpecFor(server.Url("/ok"), "  latency_threshold: 10s\n"))).status == ProbeStatus::kHealthy);
}

TEST_CASE("https: custom CA, bad certificates, insecure_skip_verify", "[http_probe]") {
  TestCerts certs;
  const std::string ca = "  ca_file: " + certs.ca.ca_cert() + "\n";
  auto serve = [](const runbookd::testing::CertFiles& files) {
    return std::make_unique<TestHttpServer>(Route, TestServerTls{files.chain, files.key, {}});
  };

  SECTION("valid") {
    auto server = serve(certs.server);
    auto r = RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), ca)));
    INFO(r.detail);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(Obs(r, "http_ssl") == 1);
    CHECK(Obs(r, "ssl_earliest_cert_expiry") > 0);
    // Verified as an IP address too.
    CHECK(RunProbe(*FromSpec(SpecFor(server->Url("/ok"), ca))).status == ProbeStatus::kHealthy);
  }
  SECTION("expired") {
    auto server = serve(certs.expired);
    auto r = RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), ca)));
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kCertExpired);
    CHECK(r.detail ==
          "GET " + server->Url("/ok", "localhost") + ": certificate verify failed: certificate has expired");
    CHECK(Obs(r, "http_status_code") == 0);
    CHECK(RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), "  insecure_skip_verify: true\n"))).status ==
          ProbeStatus::kHealthy);
  }
  SECTION("wrong host name") {
    auto server = serve(certs.wrong_host);
    auto r = RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), ca)));
    CHECK(r.reason == ProbeReason::kCertHostnameMismatch);
    CHECK(RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), ca + "  server_name: wrong.example.com\n")))
              .status == ProbeStatus::kHealthy);
    CHECK(RunProbe(*FromSpec(SpecFor(server->Url("/ok", "localhost"), ca + "  insecure_skip_verify: true\n"))).status ==
          ProbeStatus::kHealthy);
  }
  SECTION("untrusted issuer") {
    auto server = serve(certs.untrusted);
    CHECK(RunProbe(*FromSpec(SpecFor(server->Url("/ok"), ca))).reason == ProbeReason::kCertUntrusted);
  }
  SECTION("client certificate required by the server") {
    TestHttpServer server(Route, TestServerTls{certs.server.chain, certs.server.key, certs.ca.ca_cert()});
    auto without = RunProbe(*FromSpec(SpecFor(server.Url("/ok"), ca)));
    CHECK(without.status == ProbeStatus::kUnhealthy);
    CHECK((without.reason == ProbeReason::kTlsError || without.reason == ProbeReason::kConnectionFailed));
    auto with = RunProbe(*FromSpec(SpecFor(
        server.Url("/ok"), ca + "  cert_file: " + certs.client.cert + "\n  key_file: " + certs.client.key + "\n")));
    INFO(with.detail);
    CHECK(with.status == ProbeStatus::kHealthy);
  }
}

TEST_CASE("a refused port is unhealthy with status code 0", "[http_probe]") {
  const std::string url = "http://127.0.0.1:" + std::to_string(runbookd::testing::RefusedPort()) + "/";
  auto r = RunProbe(*FromSpec(SpecFor(url)));
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kConnectionRefused);
  CHECK(Obs(r, "http_status_code") == 0);
  CHECK(Obs(r, "http_content_length") == 0);
}

TEST_CASE("a blackholed address returns within timeout + 100 ms", "[http_probe]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  auto probe = FromSpec(SpecFor("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/"));
  const auto start = std::chrono::steady_clock::now();
  auto r = RunProbe(*probe, 500ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kTimeout);
  CHECK(elapsed < 600ms);
}

TEST_CASE("spec errors are reported at their key", "[http_probe]") {
  auto errors_of = [](const std::string& yaml) {
    config::Diagnostics diags;
    (void)FromSpec(yaml, diags);  // unknown keys are found by the document, after building
    return diags.Format();
  };
  CHECK(errors_of("spec:\n  url: http://x/\n  body_regex: [\"a(\"]\n")
            .rfind("probe.yaml:3:16: spec.body_regex[0]: invalid regular expression \"a(\": ", 0) == 0);
  CHECK(errors_of("spec:\n  url: http://x/\n  bdy_regex: x\n") ==
        "probe.yaml:3:3: spec.bdy_regex: unknown key \"bdy_regex\" (did you mean \"body_regex\"?)\n");
  CHECK(errors_of("spec:\n  method: GET\n") == "probe.yaml:2:3: spec: missing required key \"url\"\n");
  CHECK(errors_of("spec:\n  url: ftp://x/\n") ==
        "probe.yaml:2:8: spec.url: URL \"ftp://x/\" must start with http:// or https://\n");
  CHECK(errors_of("spec:\n  url: http://x/\n  expect_status: [999]\n") ==
        "probe.yaml:3:19: spec.expect_status[0]: must be between 100 and 599, got 999\n");
  CHECK(errors_of("spec:\n  url: http://x/\n  ca_file: /nonexistent/ca.pem\n") ==
        "probe.yaml:3:12: spec.ca_file: cannot read \"/nonexistent/ca.pem\": No such file or directory\n");
  CHECK(errors_of("spec:\n  url: http://x/\n  ip_protocol: ip5\n") ==
        "probe.yaml:3:16: spec.ip_protocol: unknown value \"ip5\" (did you mean \"ip4\"?); expected one of: ip4, ip6, "
        "any\n");
}

TEST_CASE("blackbox modules: defaults and target handling", "[http_probe]") {
  TestHttpServer server(Route);
  const std::string host_port = "127.0.0.1:" + std::to_string(server.port());
  // No scheme: http:// is assumed. Preferred ip6 falls back to the IPv4 literal.
  auto ok = RunProbe(*FromModule("", host_port + "/ok"));
  CHECK(ok.status == ProbeStatus::kHealthy);
  CHECK(Obs(ok, "ip_protocol") == 4);
  CHECK(Obs(ok, "http_status_code") == 200);

  auto fail = RunProbe(*FromModule("", host_port + "/fail"));
  CHECK(fail.status == ProbeStatus::kUnhealthy);
  CHECK(Obs(fail, "http_status_code") == 500);
  CHECK(RunProbe(*FromModule("http:\n  valid_status_codes: [500]\n", host_port + "/fail")).status ==
        ProbeStatus::kHealthy);

  auto regex = RunProbe(*FromModule("http:\n  fail_if_body_not_matches_regexp: [\"nope\"]\n", host_port + "/ok"));
  CHECK(regex.status == ProbeStatus::kUnhealthy);
  CHECK(Obs(regex, "failed_due_to_regex") == 1);
  CHECK(Obs(regex, "http_status_code") == 200);

  auto header = RunProbe(*FromModule(
      "http:\n  fail_if_header_matches:\n    - {header: Content-Length, regexp: \"^11$\"}\n", host_port + "/ok"));
  CHECK(header.reason == ProbeReason::kBodyMismatch);
  CHECK(Obs(header, "failed_due_to_regex") == 1);

  auto no_follow = RunProbe(*FromModule("http:\n  no_follow_redirects: true\n", host_port + "/r/1"));
  CHECK(no_follow.status == ProbeStatus::kUnhealthy);
  CHECK(Obs(no_follow, "http_status_code") == 302);
  CHECK(Obs(no_follow, "http_redirects") == 1);

  auto not_ssl = RunProbe(*FromModule("http:\n  fail_if_not_ssl: true\n", host_port + "/ok"));
  CHECK(not_ssl.reason == ProbeReason::kSslMismatch);

  auto limited = RunProbe(*FromModule("http:\n  body_size_limit: 1KB\n", host_port + "/big"));
  CHECK(limited.reason == ProbeReason::kBodyTooLarge);
  CHECK(Obs(limited, "http_status_code") == 200);

  auto post = RunProbe(*FromModule("http:\n  method: POST\n  body: x\n  headers: {X-A: b}\n", host_port + "/ok"));
  CHECK(post.status == ProbeStatus::kHealthy);
}

TEST_CASE("blackbox modules over TLS", "[http_probe]") {
  TestCerts certs;
  TestHttpServer good(Route, TestServerTls{certs.server.chain, certs.server.key, {}});
  TestHttpServer expired(Route, TestServerTls{certs.expired.chain, certs.expired.key, {}});
  const std::string module =
      "http:\n  preferred_ip_protocol: ip4\n  tls_config:\n    ca_file: " + certs.ca.ca_cert() + "\n";
  auto ok = RunProbe(*FromModule(module, good.Url("/ok", "localhost")));
  CHECK(ok.status == ProbeStatus::kHealthy);
  CHECK(Obs(ok, "http_ssl") == 1);
  CHECK(Obs(ok, "ssl_earliest_cert_expiry") > 0);
  auto bad = RunProbe(*FromModule(module, expired.Url("/ok", "localhost")));
  CHECK(bad.status == ProbeStatus::kUnhealthy);
  CHECK(bad.reason == ProbeReason::kCertExpired);
  CHECK(Obs(bad, "http_status_code") == 0);
  CHECK(Obs(bad, "http_ssl") == 0);
}

TEST_CASE("blackbox module errors", "[http_probe]") {
  auto errors_of = [](const std::string& yaml) {
    config::Diagnostics diags;
    (void)FromModule(yaml, "127.0.0.1:1", diags);
    return diags.Format();
  };
  CHECK(errors_of("http:\n  fail_if_body_not_match_regexp: [x]\n") ==
        "blackbox.yml:2:3: http.fail_if_body_not_match_regexp: unknown key \"fail_if_body_not_match_regexp\" (did you "
        "mean \"fail_if_body_not_matches_regexp\"?)\n");
  CHECK(errors_of("http:\n  compression: gzip\n") ==
        "blackbox.yml:2:16: http.compression: compression \"gzip\" is not supported (only identity)\n");
  CHECK(errors_of("http:\n  body_size_limit: 10 parsecs\n").find("http.body_size_limit: invalid size") !=
        std::string::npos);
  CHECK(errors_of("http:\n  fail_if_header_matches: [{header: X}]\n") ==
        "blackbox.yml:2:28: http.fail_if_header_matches[0]: missing required key \"regexp\"\n");

  config::Diagnostics diags;
  auto doc = config::Document::Parse("{}", "blackbox.yml", diags);
  auto builder = probes::http::MakeModuleFactory()(doc.root()["http"], ProbeDeps{});
  REQUIRE(builder);
  std::string error;
  CHECK(builder("http://[::1/", error) == nullptr);
  CHECK_FALSE(error.empty());
}

TEST_CASE("body regexes search a large body without exhausting the stack", "[http_probe]") {
  // std::regex recurses per character and crashes on bodies this size; the Go-style regex must not.
  std::string body(2 * 1024 * 1024, 'x');
  body += R"({"status": "up"})";
  std::string error;
  auto p = probes::http::CompilePattern(R"re("status":\s*"(ok|up)")re", error);
  REQUIRE(p);
  CHECK(p->regex.Search(body));
  CHECK_FALSE(p->regex.Search(std::string(2 * 1024 * 1024, 'x')));
}

TEST_CASE("basic_auth becomes a Basic Authorization header", "[http_probe]") {
  TestHttpServer server([](const TestRequest& req) {
    TestResponse res;
    auto auth = req.headers.find("authorization");
    // "ops:s3cret" in base64.
    res.status = auth != req.headers.end() && auth->second == "Basic b3BzOnMzY3JldA==" ? 200 : 401;
    return res;
  });
  setenv("RUNBOOKD_TEST_BASIC_PASSWORD", "s3cret", 1);
  auto r =
      RunProbe(*FromModule("http:\n  basic_auth: { username: ops, password_env: RUNBOOKD_TEST_BASIC_PASSWORD }\n"
                           "  preferred_ip_protocol: ip4\n",
                           server.Url("/ok")));
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(Obs(r, "http_status_code") == 200);
}
