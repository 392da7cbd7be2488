#include "daemon/clients/http/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "daemon/clients/tls/tls.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_http_server.hpp"

using namespace runbookd;
using namespace std::chrono_literals;
using http_client::ErrorKind;
using runbookd::testing::TestHttpServer;
using runbookd::testing::TestRequest;
using runbookd::testing::TestResponse;
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
  } else if (path.rfind("/r/", 0) == 0) {
    const int n = std::stoi(path.substr(3));
    res.status = 302;
    res.headers.emplace_back("Location", n <= 1 ? "/ok" : "/r/" + std::to_string(n - 1));
  } else if (path == "/loop") {
    res.status = 302;
    res.headers.emplace_back("Location", "/loop");
  } else if (path == "/see-other") {
    res.status = 303;
    res.headers.emplace_back("Location", "/echo");
  } else if (path == "/echo") {
    auto header = req.headers.find("x-test");
    res.body = req.method + "|" + req.body + "|" + (header != req.headers.end() ? header->second : "") + "|" +
               req.client_cert_subject;
  } else {
    res.status = 404;
  }
  return res;
}

boost::urls::url Url(const std::string& text) { return boost::urls::url(*boost::urls::parse_uri(text)); }

http_client::Options Within(std::chrono::milliseconds timeout) {
  http_client::Options o;
  o.deadline = std::chrono::steady_clock::now() + timeout;
  return o;
}

http_client::Response Fetch(const http_client::Request& req, const http_client::Options& options) {
  asio::io_context ioc;
  http_client::Response out;
  asio::co_spawn(ioc, http_client::Fetch(ioc.get_executor(), req, options),
                 [&out](std::exception_ptr e, http_client::Response r) {
                   if (e) std::rethrow_exception(e);
                   out = std::move(r);
                 });
  ioc.run();
  return out;
}

http_client::Response Get(const std::string& url, const http_client::Options& options) {
  http_client::Request req;
  req.url = Url(url);
  return Fetch(req, options);
}

}  // namespace

TEST_CASE("a plain GET returns status, headers and body", "[http_client]") {
  TestHttpServer server(Route);
  auto r = Get(server.Url("/ok"), Within(5s));
  REQUIRE(r.ok());
  CHECK(r.status == 200);
  CHECK(r.version == 11);
  CHECK(r.body == "hello world");
  CHECK(r.content_length == 11u);
  CHECK(r.Header("content-length") == "11");
  CHECK_FALSE(r.tls);
  CHECK(r.ip_family == 4);
  CHECK(r.remote_address == "127.0.0.1");
  CHECK(r.redirects == 0);
  CHECK(r.final_url == server.Url("/ok"));
  CHECK(r.timing.total > 0);

  auto fail = Get(server.Url("/fail"), Within(5s));
  REQUIRE(fail.ok());
  CHECK(fail.status == 500);
  CHECK(fail.body == "boom");
}

TEST_CASE("method, headers and body are sent", "[http_client]") {
  TestHttpServer server(Route);
  http_client::Request req;
  req.method = "POST";
  req.url = Url(server.Url("/echo"));
  req.headers = {{"X-Test", "yes"}};
  req.body = "payload";
  auto r = Fetch(req, Within(5s));
  REQUIRE(r.ok());
  CHECK(r.body == "POST|payload|yes|");
}

TEST_CASE("redirects are followed, refused, or stopped", "[http_client]") {
  TestHttpServer server(Route);
  SECTION("followed") {
    auto r = Get(server.Url("/r/3"), Within(5s));
    REQUIRE(r.ok());
    CHECK(r.status == 200);
    CHECK(r.redirects == 3);
    CHECK(r.final_url == server.Url("/ok"));
  }
  SECTION("not followed when turned off: the 3xx is the answer") {
    auto options = Within(5s);
    options.follow_redirects = false;
    auto r = Get(server.Url("/r/3"), options);
    REQUIRE(r.ok());
    CHECK(r.status == 302);
    CHECK(r.redirects == 1);
    CHECK(r.Header("Location") == "/r/2");
  }
  SECTION("too many") {
    auto r = Get(server.Url("/loop"), Within(5s));
    CHECK(r.error == ErrorKind::kTooManyRedirects);
    CHECK(r.status == 302);
    CHECK(r.redirects == 11);  // like blackbox: the refused one counts
    CHECK(server.requests_served() == 11);
  }
  SECTION("303 turns a POST into a GET without body") {
    http_client::Request req;
    req.method = "POST";
    req.url = Url(server.Url("/see-other"));
    req.body = "payload";
    auto r = Fetch(req, Within(5s));
    REQUIRE(r.ok());
    CHECK(r.body == "GET|||");
  }
}

TEST_CASE("the body is capped", "[http_client]") {
  TestHttpServer server(Route);
  auto options = Within(5s);
  options.max_body_bytes = 1000;
  auto r = Get(server.Url("/big"), options);
  CHECK(r.error == ErrorKind::kBodyTooLarge);
  CHECK(r.status == 200);
  CHECK(r.body.size() <= 1000);
  CHECK(r.error_message == "response body larger than 1000 bytes");

  options.max_body_bytes = 100000;
  CHECK(Get(server.Url("/big"), options).ok());
}

TEST_CASE("a refused port is reported as such", "[http_client]") {
  const auto port = runbookd::testing::RefusedPort();
  auto r = Get("http://127.0.0.1:" + std::to_string(port) + "/", Within(5s));
  CHECK(r.error == ErrorKind::kConnectionRefused);
  CHECK(r.status == 0);
}

TEST_CASE("a blackholed address ends at the deadline", "[http_client]") {
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  const auto start = std::chrono::steady_clock::now();
  auto r = Get("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/", Within(300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.error == ErrorKind::kTimeout);
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 400ms);
}

TEST_CASE("cancellation through the coroutine's slot ends the request", "[http_client]") {
  using namespace asio::experimental::awaitable_operators;
  runbookd::testing::BlackholeListener blackhole;
  REQUIRE(blackhole.works());
  asio::io_context ioc;
  http_client::Request req;
  req.url = Url("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/");
  const auto options = Within(10s);
  const auto start = std::chrono::steady_clock::now();
  bool timer_won = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(ioc, 200ms);
        auto winner =
            co_await (http_client::Fetch(ioc.get_executor(), req, options) || timer.async_wait(asio::use_awaitable));
        timer_won = winner.index() == 1;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  CHECK(timer_won);
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("https verifies against the configured CA and reports the chain", "[http_client]") {
  runbookd::testing::TestCerts certs;
  TestHttpServer server(Route, runbookd::testing::TestServerTls{certs.server.chain, certs.server.key, {}});
  tls::TlsOptions tls_options;
  tls_options.ca_file = certs.ca.ca_cert();
  auto options = Within(5s);
  options.tls_context = tls::MakeClientContext(tls_options).context;

  auto r = Get(server.Url("/ok", "localhost"), options);
  REQUIRE(r.ok());
  CHECK(r.tls);
  CHECK(r.tls_version.rfind("TLS 1.", 0) == 0);
  REQUIRE(r.earliest_cert_expiry);
  CHECK(*r.earliest_cert_expiry >
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());

  // Without the CA (system roots only) the same server is untrusted.
  auto untrusted = Get(server.Url("/ok"), Within(5s));
  CHECK(untrusted.error == ErrorKind::kCertUntrusted);
  CHECK(untrusted.status == 0);
}

TEST_CASE("a client certificate is sent when the server requires one", "[http_client]") {
  runbookd::testing::TestCerts certs;
  TestHttpServer server(Route,
                        runbookd::testing::TestServerTls{certs.server.chain, certs.server.key, certs.ca.ca_cert()});
  tls::TlsOptions tls_options;
  tls_options.ca_file = certs.ca.ca_cert();
  auto options = Within(5s);
  options.tls_context = tls::MakeClientContext(tls_options).context;
  auto without = Get(server.Url("/echo"), options);
  CHECK_FALSE(without.ok());
  CHECK(without.status == 0);
  CHECK((without.error == ErrorKind::kTlsError || without.error == ErrorKind::kConnectionFailed));

  tls_options.cert_file = certs.client.cert;
  tls_options.key_file = certs.client.key;
  options.tls_context = tls::MakeClientContext(tls_options).context;
  auto with = Get(server.Url("/echo"), options);
  REQUIRE(with.ok());
  CHECK(with.body.find("CN=runbookd-test-client") != std::string::npos);
}

TEST_CASE("the IP family preference applies, with or without fallback", "[http_client]") {
  TestHttpServer server(Route);
  auto options = Within(5s);
  options.ip_family = http_client::IpFamily::kIp6;
  options.ip_fallback = false;
  auto strict = Get(server.Url("/ok"), options);
  CHECK(strict.error == ErrorKind::kDnsError);
  options.ip_fallback = true;
  auto fallback = Get(server.Url("/ok"), options);
  REQUIRE(fallback.ok());
  CHECK(fallback.ip_family == 4);
}

TEST_CASE("bad URLs are errors, not exceptions", "[http_client]") {
  CHECK(Get("ftp://127.0.0.1/", Within(5s)).error == ErrorKind::kInvalidRequest);
  CHECK(Get("http:/no-host", Within(5s)).error == ErrorKind::kInvalidRequest);
  CHECK(Get("http://127.0.0.1:/", Within(5s)).error == ErrorKind::kInvalidRequest);
  CHECK(Get("http://127.0.0.1:99999/", Within(5s)).error == ErrorKind::kInvalidRequest);
}

TEST_CASE("credentials are not sent on after a redirect from https to http", "[http_client]") {
  TestHttpServer plain([](const TestRequest& req) {
    TestResponse res;
    auto auth = req.headers.find("authorization");
    res.body = auth == req.headers.end() ? "none" : auth->second;
    return res;
  });
  const std::string plain_url = plain.Url("/whoami", "localhost");
  runbookd::testing::TestCerts certs;
  TestHttpServer secure(
      [plain_url](const TestRequest&) {
        TestResponse res;
        res.status = 301;
        res.headers.emplace_back("Location", plain_url);
        return res;
      },
      runbookd::testing::TestServerTls{certs.server.chain, certs.server.key, {}});
  tls::TlsOptions tls_options;
  tls_options.ca_file = certs.ca.ca_cert();
  auto options = Within(5s);
  options.tls_context = tls::MakeClientContext(tls_options).context;
  http_client::Request req;
  req.url = Url(secure.Url("/health", "localhost"));
  req.headers.emplace_back("Authorization", "Bearer not-for-plain-http");
  auto r = Fetch(req, options);
  REQUIRE(r.ok());
  CHECK(r.redirects == 1);
  CHECK(r.body == "none");
}
