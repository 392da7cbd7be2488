// The Beast server against real clients on 127.0.0.1: routing, auth, limits, timeouts, keep-alive,
// TLS, stop and router swaps. Every wait is bounded; results are decided by what the server did.

#include <httplib.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <future>
#include <stdexcept>

#include "daemon/http/router.hpp"
#include "daemon/http/server.hpp"
#include "tests/integration/http_test_harness.hpp"
#include "tests/support/test_certs.hpp"

namespace runbookd::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RawConnection;
using testing::ServerHarness;
using testing::WaitUntil;

constexpr const char* kReaderToken = "reader-tok-1a2b3c4d";
constexpr const char* kAdminToken = "admin-tok-5e6f7a8b";
constexpr const char* kHookToken = "hook-tok-9c0d1e2f";
constexpr const char* kWrongToken = "wrong-tok-3a4b5c6d";

// Holds handlers until the test opens it. Touched on the server thread only, except `entered`.
struct Gate {
  std::atomic<int> entered{0};
  bool open = false;
  std::vector<asio::steady_timer*> waiting;

  asio::awaitable<void> Wait() {
    if (open) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    waiting.push_back(&timer);
    ++entered;
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase(waiting, &timer);
  }
  void Open() {
    open = true;
    for (auto* t : waiting) t->cancel();
  }
};

std::shared_ptr<const Authenticator> TestAuth() {
  return std::make_shared<Authenticator>(std::vector<TokenConfig>{
      {"dash", Role::kReader, config::Secret(kReaderToken)},
      {"root", Role::kAdmin, config::Secret(kAdminToken)},
      {"alertmanager", Role::kWebhook, config::Secret(kHookToken)},
  });
}

std::shared_ptr<Router> TestRouter(Gate* gate = nullptr, std::string label = "old") {
  auto router = std::make_shared<Router>(TestAuth());
  router->Add("GET", "/hello", std::nullopt, [](const Request&) -> asio::awaitable<Response> {
    co_return Response::Text(200, "hello", "text/plain");
  });
  router->Add("GET", "/whoami", Role::kReader, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"token", req.token_name}, {"remote", req.remote}});
  });
  router->Add("POST", "/echo", std::nullopt, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"bytes", req.body.size()}, {"q", std::string(req.Query("q"))}});
  });
  router->Add("GET", "/items/{id}", std::nullopt, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"id", req.path_params.at("id")}});
  });
  router->Add("GET", "/items/special", std::nullopt, [](const Request&) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"special", true}});
  });
  router->Add("GET", "/items/{id}/parts/{part}", std::nullopt, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"id", req.path_params.at("id")}, {"part", req.path_params.at("part")}});
  });
  router->Add("POST", "/admin", Role::kAdmin, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"token", req.token_name}});
  });
  router->Add("POST", "/hook", Role::kWebhook, [](const Request& req) -> asio::awaitable<Response> {
    co_return Response::Json(200, {{"token", req.token_name}});
  });
  router->Add("GET", "/boom", std::nullopt,
              [](const Request&) -> asio::awaitable<Response> { throw std::runtime_error("kaput"); });
  router->Add("GET", "/linger", std::nullopt, [](const Request& req) -> asio::awaitable<Response> {
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::chrono::milliseconds(std::stoi(std::string(req.Query("ms")))));
    co_await timer.async_wait(asio::use_awaitable);
    co_return Response::Text(200, "lingered", "text/plain");
  });
  router->Add("GET", "/slow", std::nullopt, [gate, label](const Request&) -> asio::awaitable<Response> {
    if (gate) co_await gate->Wait();
    co_return Response::Text(200, label, "text/plain");
  });
  return router;
}

boost::json::object JsonOf(const httplib::Result& res) { return boost::json::parse(res->body).as_object(); }

std::string CodeOf(const httplib::Result& res) { return std::string(JsonOf(res).at("code").as_string()); }

httplib::Headers Bearer(const char* token) { return {{"Authorization", std::string("Bearer ") + token}}; }

// Everything a client could see of a response.
std::string Visible(const httplib::Result& res) {
  std::string all = std::to_string(res->status) + "\n";
  for (const auto& [k, v] : res->headers) all += k + ": " + v + "\n";
  return all + res->body;
}

ServerOptions SmallOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.request_timeout = 5000ms;
  o.idle_timeout = 5000ms;
  return o;
}

std::unique_ptr<httplib::Client> ClientFor(ServerHarness& h) {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", h.port());
  cli->set_connection_timeout(5);
  cli->set_read_timeout(5);
  cli->set_write_timeout(5);
  return cli;
}

TEST_CASE("routing: unknown path is 404 and a wrong method 405 with Allow, both JSON") {
  ServerHarness h(SmallOptions(), TestRouter());
  auto cli = ClientFor(h);

  auto ok = cli->Get("/hello");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "hello");

  auto missing = cli->Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("Content-Type") == "application/json");
  CHECK(CodeOf(missing) == "not_found");
  CHECK(JsonOf(missing).at("error").is_string());

  auto wrong = cli->Delete("/hello");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->get_header_value("Allow") == "GET");
  CHECK(CodeOf(wrong) == "method_not_allowed");

  auto trailing = cli->Get("/hello/");
  REQUIRE(trailing);
  CHECK(trailing->status == 404);
}

TEST_CASE("routing: path parameters are decoded, literal segments win, query is decoded") {
  ServerHarness h(SmallOptions(), TestRouter());
  auto cli = ClientFor(h);

  auto item = cli->Get("/items/inc%2042");
  REQUIRE(item);
  CHECK(item->status == 200);
  CHECK(JsonOf(item).at("id").as_string() == "inc 42");

  auto special = cli->Get("/items/special");
  REQUIRE(special);
  CHECK(JsonOf(special).at("special").as_bool());

  auto part = cli->Get("/items/7/parts/wheel");
  REQUIRE(part);
  CHECK(JsonOf(part).at("id").as_string() == "7");
  CHECK(JsonOf(part).at("part").as_string() == "wheel");

  auto echo = cli->Post("/echo?q=a%20b%26c&q=second", "xyz", "text/plain");
  REQUIRE(echo);
  CHECK(JsonOf(echo).at("bytes").as_int64() == 3);
  CHECK(JsonOf(echo).at("q").as_string() == "a b&c");
}

TEST_CASE("routing: a handler that throws gives 500 JSON, and a bad target 400 JSON") {
  ServerHarness h(SmallOptions(), TestRouter());
  auto cli = ClientFor(h);
  auto boom = cli->Get("/boom");
  REQUIRE(boom);
  CHECK(boom->status == 500);
  CHECK(CodeOf(boom) == "internal_error");
  CHECK(boom->body.find("kaput") == std::string::npos);

  RawConnection raw(h.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Send("GET http://example.com/hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(raw.ReadUntil("}"));
  CHECK(raw.received().rfind("HTTP/1.1 400", 0) == 0);
  CHECK(raw.received().find("\"code\":\"bad_request\"") != std::string::npos);

  RawConnection garbage(h.port());
  REQUIRE(garbage.Send("GARBAGE\x01 / HTTP/1.1\r\n\r\n"));
  REQUIRE(garbage.ReadUntil("}"));
  CHECK(garbage.received().rfind("HTTP/1.1 400", 0) == 0);
  CHECK(garbage.ReadUntilClosed());
}

TEST_CASE("routing: before a router is set every request gets 503 not_ready") {
  ServerHarness h(SmallOptions());
  auto cli = ClientFor(h);
  auto res = cli->Get("/hello");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(CodeOf(res) == "not_ready");
}

TEST_CASE("auth: 401 without or with a wrong token, 403 for a lower role, 200 with enough, tokens never shown") {
  ServerHarness h(SmallOptions(), TestRouter());
  auto cli = ClientFor(h);
  std::string seen;

  auto none = cli->Get("/whoami");
  REQUIRE(none);
  seen += Visible(none);
  CHECK(none->status == 401);
  CHECK(CodeOf(none) == "unauthorized");
  CHECK(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);

  auto wrong = cli->Get("/whoami", Bearer(kWrongToken));
  REQUIRE(wrong);
  seen += Visible(wrong);
  CHECK(wrong->status == 401);

  auto basic = cli->Get("/whoami", httplib::Headers{{"Authorization", std::string("Basic ") + kReaderToken}});
  REQUIRE(basic);
  seen += Visible(basic);
  CHECK(basic->status == 401);

  auto hook_reads = cli->Get("/whoami", Bearer(kHookToken));
  REQUIRE(hook_reads);
  seen += Visible(hook_reads);
  CHECK(hook_reads->status == 403);
  CHECK(CodeOf(hook_reads) == "forbidden");

  auto reader = cli->Get("/whoami", Bearer(kReaderToken));
  REQUIRE(reader);
  seen += Visible(reader);
  CHECK(reader->status == 200);
  CHECK(JsonOf(reader).at("token").as_string() == "dash");

  auto admin_reads = cli->Get("/whoami", Bearer(kAdminToken));
  REQUIRE(admin_reads);
  seen += Visible(admin_reads);
  CHECK(admin_reads->status == 200);
  CHECK(JsonOf(admin_reads).at("token").as_string() == "root");

  auto reader_admins = cli->Post("/admin", Bearer(kReaderToken), "", "text/plain");
  REQUIRE(reader_admins);
  seen += Visible(reader_admins);
  CHECK(reader_admins->status == 403);

  auto admin = cli->Post("/admin", Bearer(kAdminToken), "", "text/plain");
  REQUIRE(admin);
  seen += Visible(admin);
  CHECK(admin->status == 200);

  auto admin_hooks = cli->Post("/hook", Bearer(kAdminToken), "", "text/plain");
  REQUIRE(admin_hooks);
  seen += Visible(admin_hooks);
  CHECK(admin_hooks->status == 403);

  auto hook = cli->Post("/hook", Bearer(kHookToken), "", "text/plain");
  REQUIRE(hook);
  seen += Visible(hook);
  CHECK(hook->status == 200);
  CHECK(JsonOf(hook).at("token").as_string() == "alertmanager");

  const std::string logs = h.Logs();
  CHECK(logs.find("token=dash") != std::string::npos);  // the access log names tokens by name
  for (const char* token : {kReaderToken, kAdminToken, kHookToken, kWrongToken}) {
    INFO(token);
    CHECK(seen.find(token) == std::string::npos);
    CHECK(logs.find(token) == std::string::npos);
  }
}

TEST_CASE("limits: a body over max_body_bytes gets 413 body_too_large, with Content-Length or chunked") {
  ServerOptions o = SmallOptions();
  o.max_body_bytes = 1024;
  ServerHarness h(o, TestRouter());
  auto cli = ClientFor(h);

  auto small = cli->Post("/echo", std::string(1024, 'b'), "text/plain");
  REQUIRE(small);
  CHECK(small->status == 200);

  auto big = cli->Post("/echo", std::string(64 * 1024, 'b'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(big->get_header_value("Content-Type") == "application/json");
  CHECK(CodeOf(big) == "body_too_large");
  CHECK(big->get_header_value("Connection") == "close");

  RawConnection chunked(h.port());
  REQUIRE(chunked.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                       std::string(0x800, 'c') + "\r\n"));
  REQUIRE(chunked.ReadUntil("}"));
  CHECK(chunked.received().rfind("HTTP/1.1 413", 0) == 0);
  CHECK(chunked.received().find("\"code\":\"body_too_large\"") != std::string::npos);
  CHECK(chunked.ReadUntilClosed());
}

TEST_CASE("limits: a header over max_header_bytes gets 413 header_too_large") {
  ServerOptions o = SmallOptions();
  o.max_header_bytes = 1024;
  ServerHarness h(o, TestRouter());
  auto cli = ClientFor(h);

  auto fits = cli->Get("/hello", httplib::Headers{{"X-Pad", std::string(200, 'a')}});
  REQUIRE(fits);
  CHECK(fits->status == 200);

  auto big = cli->Get("/hello", httplib::Headers{{"X-Pad", std::string(4000, 'a')}});
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(CodeOf(big) == "header_too_large");
}

TEST_CASE("timeouts: headers trickling in (slowloris) are cut off after request_timeout") {
  ServerOptions o = SmallOptions();
  o.request_timeout = 300ms;
  o.idle_timeout = 10000ms;
  ServerHarness h(o, TestRouter());

  RawConnection slow(h.port());
  REQUIRE(slow.connected());
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  // Keep trickling one header line at a time; the server must close regardless.
  const bool closed = WaitUntil(
      [&] {
        if (slow.PeerClosedNow()) return true;
        return !slow.Send("X-Slow: 1\r\n");
      },
      5000ms);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(closed);
  CHECK(took < 3000ms);
  CHECK(slow.received().find("hello") == std::string::npos);

  // A connection that never sends a byte is cut off the same way.
  RawConnection silent(h.port());
  REQUIRE(silent.connected());
  CHECK(silent.ReadUntilClosed(5000ms));
  CHECK(silent.received().empty());
  CHECK(WaitUntil([&] { return h.OpenConnections() == 0; }));
}

TEST_CASE("timeouts: a handler may take longer than request_timeout, which bounds only reading and writing") {
  ServerOptions o = SmallOptions();
  o.request_timeout = 200ms;
  ServerHarness h(o, TestRouter());
  RawConnection conn(h.port());
  REQUIRE(conn.Send("GET /linger?ms=600 HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(conn.ReadUntil("lingered"));
  CHECK(conn.received().rfind("HTTP/1.1 200", 0) == 0);
  REQUIRE(conn.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(conn.ReadUntil("\r\n\r\nhello"));
}

TEST_CASE("keep-alive: requests reuse one connection, which is closed after idle_timeout") {
  ServerOptions o = SmallOptions();
  o.idle_timeout = 300ms;
  ServerHarness h(o, TestRouter());

  RawConnection conn(h.port());
  REQUIRE(conn.connected());
  REQUIRE(conn.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(conn.ReadUntil("\r\n\r\nhello"));
  REQUIRE(conn.Send("GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(conn.ReadUntil("{\"id\":\"2\"}"));
  CHECK(conn.received().find("Connection: close") == std::string::npos);
  CHECK(h.OpenConnections() == 1);

  const auto start = std::chrono::steady_clock::now();
  CHECK(conn.ReadUntilClosed(5000ms));
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);

  // A keep-alive client library sees the same peer port for both of its requests.
  auto cli = ClientFor(h);
  cli->set_keep_alive(true);
  auto first = cli->Get("/whoami", Bearer(kReaderToken));
  auto second = cli->Get("/whoami", Bearer(kReaderToken));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(JsonOf(first).at("remote") == JsonOf(second).at("remote"));
}

TEST_CASE("limits: connections beyond max_connections get 503 JSON and are closed") {
  ServerOptions o = SmallOptions();
  o.max_connections = 2;
  ServerHarness h(o, TestRouter());

  auto a = std::make_unique<RawConnection>(h.port());
  RawConnection b(h.port());
  REQUIRE(a->connected());
  REQUIRE(b.connected());
  REQUIRE(WaitUntil([&] { return h.OpenConnections() == 2; }));

  auto cli = ClientFor(h);
  auto refused = cli->Get("/hello");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(CodeOf(refused) == "too_many_connections");
  CHECK(refused->get_header_value("Connection") == "close");

  a.reset();
  REQUIRE(WaitUntil([&] { return h.OpenConnections() == 1; }));
  auto ok = cli->Get("/hello");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("tls: HTTPS with a test certificate, keep-alive over TLS, plain HTTP refused") {
  runbookd::testing::TestCerts certs;
  ServerOptions o = SmallOptions();
  o.tls_cert_file = certs.server.chain;
  o.tls_key_file = certs.server.key;
  ServerHarness h(o, TestRouter());

  httplib::SSLClient tls("127.0.0.1", h.port());
  tls.set_ca_cert_path(certs.ca.ca_cert().c_str());
  tls.enable_server_certificate_verification(true);
  tls.set_connection_timeout(5);
  tls.set_read_timeout(5);
  tls.set_keep_alive(true);
  auto first = tls.Get("/whoami", Bearer(kReaderToken));
  REQUIRE(first);
  CHECK(first->status == 200);
  auto second = tls.Get("/whoami", Bearer(kReaderToken));
  REQUIRE(second);
  CHECK(JsonOf(first).at("remote") == JsonOf(second).at("remote"));

  auto plain = ClientFor(h);
  auto res = plain->Get("/hello");
  CHECK(!res);
}

TEST_CASE("tls: a missing certificate file is a clear Listen error") {
  asio::io_context io;
  ServerOptions o = SmallOptions();
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  Server server(io.get_executor(), o, nullptr);
  auto err = server.Listen();
  REQUIRE(err);
  CHECK(err->message.find("/nonexistent/cert.pem") != std::string::npos);
}

TEST_CASE("listen: a port in use is reported by Listen with the address") {
  ServerHarness h(SmallOptions(), TestRouter());
  asio::io_context io;
  ServerOptions o = SmallOptions();
  o.listen = "127.0.0.1:" + std::to_string(h.port());
  Server second(io.get_executor(), o, nullptr);
  auto err = second.Listen();
  REQUIRE(err);
  CHECK(err->code == std::errc::address_in_use);
  CHECK(err->message.find(o.listen) != std::string::npos);

  Server bad(io.get_executor(), ServerOptions{.listen = "no-port-here"}, nullptr);
  REQUIRE(bad.Listen());
}

TEST_CASE("stop: idle connections close, an in-flight request is answered with Connection: close") {
  Gate gate;
  ServerHarness h(SmallOptions(), TestRouter(&gate));

  RawConnection idle(h.port());
  REQUIRE(idle.connected());
  RawConnection busy(h.port());
  REQUIRE(busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(WaitUntil([&] { return gate.entered.load() == 1 && h.OpenConnections() == 2; }));

  h.OnLoop([&] {
    h.server().Stop();
    return 0;
  });
  CHECK(idle.ReadUntilClosed());
  CHECK(RawConnection(h.port()).connected() == false);  // not accepting any more
  CHECK(!busy.PeerClosedNow());

  h.OnLoop([&] {
    gate.Open();
    return 0;
  });
  REQUIRE(busy.ReadUntil("\r\n\r\nold"));
  CHECK(busy.received().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(busy.received().find("Connection: close") != std::string::npos);
  CHECK(busy.ReadUntilClosed());
  CHECK(WaitUntil([&] { return h.OpenConnections() == 0; }));
}

TEST_CASE("reload: SetRouter serves new requests, an in-flight request keeps its router") {
  Gate gate;
  ServerHarness h(SmallOptions(), TestRouter(&gate, "old"));

  auto cli = ClientFor(h);
  auto in_flight = std::async(std::launch::async, [&] { return cli->Get("/slow"); });
  REQUIRE(WaitUntil([&] { return gate.entered.load() == 1; }));

  h.OnLoop([&] {
    h.server().SetRouter(TestRouter(nullptr, "new"));
    return 0;
  });
  auto fresh = ClientFor(h)->Get("/slow");
  REQUIRE(fresh);
  CHECK(fresh->body == "new");

  h.OnLoop([&] {
    gate.Open();
    return 0;
  });
  auto old = in_flight.get();
  REQUIRE(old);
  CHECK(old->body == "old");
}

}  // namespace
}  // namespace runbookd::http
