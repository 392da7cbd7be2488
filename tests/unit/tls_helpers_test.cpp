#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "config/node.hpp"
#include "daemon/clients/tls/tls.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using runbookd::testing::TestCerts;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestResponse;
using runbookd::testing::TestServerTls;
namespace asio = boost::asio;

namespace {

struct HandshakeOutcome {
  boost::system::error_code ec;
  tls::HandshakeFailure failure;
  tls::PeerChainInfo chain;
};

// A blocking client handshake against 127.0.0.1:port, verifying `server_name`.
HandshakeOutcome Handshake(uint16_t port, const tls::TlsOptions& options, const std::string& server_name) {
  auto built = tls::MakeClientContext(options);
  REQUIRE(built.context);
  asio::io_context ioc;
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, *built.context);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  REQUIRE_FALSE(tls::PrepareClientConnection(stream.native_handle(), server_name, options.insecure_skip_verify));
  HandshakeOutcome out;
  stream.handshake(asio::ssl::stream_base::client, out.ec);
  if (out.ec) {
    out.failure = tls::ClassifyHandshakeFailure(stream.native_handle(), out.ec);
  } else {
    out.chain = tls::InspectPeerChain(stream.native_handle());
  }
  return out;
}

TestHttpServer MakeServer(const runbookd::testing::CertFiles& files, std::string client_ca = {}) {
  return TestHttpServer([](const auto&) { return TestResponse{}; },
                        TestServerTls{files.chain, files.key, std::move(client_ca)});
}

}  // namespace

TEST_CASE("a valid chain verifies by name and by IP and reports expiry", "[tls]") {
  TestCerts certs;
  TestHttpServer server = MakeServer(certs.server);
  tls::TlsOptions options;
  options.ca_file = certs.ca.ca_cert();
  for (const std::string name : {"localhost", "127.0.0.1"}) {
    auto out = Handshake(server.port(), options, name);
    INFO(name << ": " << out.ec.message());
    REQUIRE_FALSE(out.ec);
    CHECK(out.chain.has_certificate);
    REQUIRE(out.chain.leaf_not_after);
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(*out.chain.leaf_not_after > now + 29 * 86400);
    CHECK(*out.chain.leaf_not_after < now + 31 * 86400);
    // The chain includes the CA, which lives longer: the earliest is the leaf.
    CHECK(*out.chain.earliest_not_after == *out.chain.leaf_not_after);
    CHECK(out.chain.tls_version.rfind("TLS 1.", 0) == 0);
    CHECK(out.chain.leaf_subject == "CN=localhost");
  }
}

TEST_CASE("certificate failures are classified", "[tls]") {
  TestCerts certs;
  tls::TlsOptions options;
  options.ca_file = certs.ca.ca_cert();

  SECTION("expired") {
    TestHttpServer server = MakeServer(certs.expired);
    auto out = Handshake(server.port(), options, "localhost");
    REQUIRE(out.ec);
    CHECK(out.failure.reason == ProbeReason::kCertExpired);
    CHECK(out.failure.message == "certificate verify failed: certificate has expired");
  }
  SECTION("wrong host name") {
    TestHttpServer server = MakeServer(certs.wrong_host);
    CHECK(Handshake(server.port(), options, "localhost").failure.reason == ProbeReason::kCertHostnameMismatch);
  }
  SECTION("wrong IP address") {
    TestHttpServer server = MakeServer(certs.wrong_host);
    CHECK(Handshake(server.port(), options, "127.0.0.1").failure.reason == ProbeReason::kCertHostnameMismatch);
  }
  SECTION("unknown issuer") {
    TestHttpServer server = MakeServer(certs.untrusted);
    CHECK(Handshake(server.port(), options, "localhost").failure.reason == ProbeReason::kCertUntrusted);
  }
  SECTION("system CAs do not trust the test CA") {
    TestHttpServer server = MakeServer(certs.server);
    CHECK(Handshake(server.port(), tls::TlsOptions{}, "localhost").failure.reason == ProbeReason::kCertUntrusted);
  }
  SECTION("server_name decides what is verified") {
    TestHttpServer server = MakeServer(certs.wrong_host);
    CHECK_FALSE(Handshake(server.port(), options, "wrong.example.com").ec);
  }
  SECTION("insecure_skip_verify accepts all of them and still reads the chain") {
    options.insecure_skip_verify = true;
    for (const auto* files : {&certs.expired, &certs.wrong_host, &certs.untrusted}) {
      TestHttpServer server = MakeServer(*files);
      auto out = Handshake(server.port(), options, "localhost");
      REQUIRE_FALSE(out.ec);
      CHECK(out.chain.leaf_not_after.has_value());
    }
  }
}

TEST_CASE("client certificates are presented when configured", "[tls]") {
  TestCerts certs;
  TestHttpServer server = MakeServer(certs.server, certs.ca.ca_cert());
  tls::TlsOptions options;
  options.ca_file = certs.ca.ca_cert();
  // TLS 1.3 reports a missing client certificate only on the first read, so check both ways
  // through a request in the http client tests; here the handshake with a certificate succeeds.
  options.cert_file = certs.client.cert;
  options.key_file = certs.client.key;
  CHECK_FALSE(Handshake(server.port(), options, "localhost").ec);
}

TEST_CASE("context errors name the key at fault", "[tls]") {
  TestCerts certs;
  tls::TlsOptions options;
  options.ca_file = certs.ca.dir() + "/missing.crt";
  auto built = tls::MakeClientContext(options);
  CHECK_FALSE(built.context);
  CHECK(built.key == "ca_file");
  CHECK(built.error.find("No such file or directory") != std::string::npos);

  options = {};
  options.cert_file = certs.client.cert;
  built = tls::MakeClientContext(options);
  CHECK(built.key == "cert_file");
  CHECK(built.error == "cert_file needs key_file");

  options.key_file = certs.server.key;  // a key of another certificate
  built = tls::MakeClientContext(options);
  CHECK(built.key == "key_file");
  CHECK(built.error.find("key values mismatch") != std::string::npos);
}

TEST_CASE("tls_config blocks are read with errors at the key", "[tls]") {
  TestCerts certs;
  config::Diagnostics diags;
  const std::string yaml =
      "tls_config:\n  ca_file: " + certs.ca.dir() + "/nope.pem\n  insecure_skip_verify: true\n  server_nam: x\n";
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  auto ctx = tls::ReadTlsContext(doc.root()["tls_config"]);
  doc.CheckUnknownKeys();
  CHECK_FALSE(ctx);
  const std::string text = diags.Format();
  CHECK(text.find("t.yaml:2:12: tls_config.ca_file: cannot read") != std::string::npos);
  CHECK(text.find("t.yaml:4:3: tls_config.server_nam: unknown key \"server_nam\" (did you mean \"server_name\"?)") !=
        std::string::npos);
}
