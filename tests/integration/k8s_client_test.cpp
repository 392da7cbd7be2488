// The Kubernetes client's requests, answers and TLS against a TestHttpServer.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include "config/node.hpp"
#include "daemon/clients/k8s/base64.hpp"
#include "tests/integration/k8s_client_harness.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/test_certs.hpp"

using namespace runbookd;
using namespace runbookd::k8s_test;
using runbookd::testing::ManualClock;
using runbookd::testing::ReadFile;
using runbookd::testing::TempDir;
using runbookd::testing::TestServerTls;

namespace {

constexpr const char* kNotFound =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404})";
constexpr const char* kConflict =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"web","group":"apps","kind":"deployments"},"code":409})";

// A connection read from a kubeconfig text the way the daemon reads it.
std::optional<k8s::ConnectionSettings> FromKubeconfig(const TempDir& dir, const std::string& kubeconfig,
                                                      std::string* errors) {
  const std::string path = dir.Write("kubeconfig", kubeconfig);
  config::Diagnostics diags;
  auto doc = config::Document::Parse("prod:\n  kubeconfig: " + path + "\n", dir.path() + "/runbookd.yaml", diags);
  auto settings = k8s::ReadConnection("prod", doc.root()["prod"]);
  *errors = diags.Format();
  return settings;
}

}  // namespace

TEST_CASE("k8s client: bearer token, headers, JSON body") {
  Recorder seen;
  TestHttpServer server([&](const TestRequest& req) {
    seen.Add(req);
    return Json(R"({"kind":"Deployment","metadata":{"name":"web"}})");
  });
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(server);
  settings.token = config::Secret("tok-123");
  auto client = k8s::Client::Create(settings, clock, nullptr);
  CHECK(client->name() == "test");
  CHECK(client->default_namespace() == "default");

  const k8s::Reply reply = RunOne(*client, {"GET", "/apis/apps/v1/namespaces/production/deployments/web"});
  INFO(reply.error.message);
  REQUIRE(reply.ok());
  CHECK(reply.body.at("metadata").at("name") == "web");
  REQUIRE(seen.size() == 1);
  const TestRequest req = seen.All()[0];
  CHECK(req.method == "GET");
  CHECK(req.target == "/apis/apps/v1/namespaces/production/deployments/web");
  CHECK(seen.Header(0, "authorization") == "Bearer tok-123");
  CHECK(seen.Header(0, "accept") == "application/json");
  CHECK(seen.Header(0, "user-agent").rfind("runbookd/", 0) == 0);
  CHECK(seen.Header(0, "content-type").empty());
}

TEST_CASE("k8s client: write methods send their content types and bodies") {
  Recorder seen;
  TestHttpServer server([&](const TestRequest& req) {
    seen.Add(req);
    return Json(req.method == "DELETE" ? "" : R"({"ok":true})");
  });
  ManualClock clock;
  auto client = k8s::Client::Create(PlainSettings(server), clock, nullptr);
  const auto replies = RunAll(*client, {{"PATCH", "/p", R"({"spec":{"replicas":3}})"},
                                        {"PUT", "/u", R"({"kind":"Lease"})"},
                                        {"POST", "/c", R"({"kind":"Lease"})"},
                                        {"DELETE", "/d", ""},
                                        {"DELETE", "/d2", R"({"propagationPolicy":"Background"})"}});
  for (const auto& r : replies) CHECK(r.ok());
  CHECK(replies[3].body.is_null());  // an empty 2xx body
  REQUIRE(seen.size() == 5);
  std::map<std::string, TestRequest> by_path;
  for (const auto& req : seen.All()) by_path[req.target] = req;
  CHECK(by_path["/p"].method == "PATCH");
  CHECK(by_path["/p"].headers["content-type"] == "application/strategic-merge-patch+json");
  CHECK(by_path["/p"].body == R"({"spec":{"replicas":3}})");
  CHECK(by_path["/u"].method == "PUT");
  CHECK(by_path["/u"].headers["content-type"] == "application/json");
  CHECK(by_path["/c"].method == "POST");
  CHECK(by_path["/c"].body == R"({"kind":"Lease"})");
  CHECK(by_path["/d"].method == "DELETE");
  CHECK(by_path["/d"].headers.count("content-type") == 0);
  CHECK(by_path["/d"].headers.count("authorization") == 0);  // no credential configured
  CHECK(by_path["/d2"].headers["content-type"] == "application/json");
  CHECK(k8s::ContentType(k8s::PatchType::kJson) == "application/json-patch+json");
  CHECK(k8s::ContentType(k8s::PatchType::kMerge) == "application/merge-patch+json");
}

TEST_CASE("k8s client: Status answers become one-line errors") {
  TestHttpServer server([](const TestRequest& req) {
    if (req.target.find("/deployments/web") != std::string::npos && req.method == "GET") return Json(kNotFound, 404);
    if (req.method == "PUT") return Json(kConflict, 409);
    if (req.target == "/text") return Json("this is not json");
    if (req.target == "/boom") return Json("upstream connect error", 500);
    if (req.target == "/boom-status") {
      return Json(
          R"({"kind":"Status","status":"Failure","message":"etcdserver: request timed out","reason":"InternalError","code":500})",
          500);
    }
    if (req.target == "/forbidden") {
      return Json(
          R"({"kind":"Status","message":"pods is forbidden: User \"x\" cannot list resource \"pods\"","reason":"Forbidden","code":403})",
          403);
    }
    if (req.target == "/invalid") return Json(R"({"kind":"Status","reason":"Invalid","message":"bad\nvalue"})", 422);
    if (req.target == "/slow-down") return Json(R"({"kind":"Status","reason":"TooManyRequests"})", 429);
    if (req.target == "/moved") return Json("", 301);
    return Json("{}");
  });
  ManualClock clock;
  auto client = k8s::Client::Create(PlainSettings(server), clock, nullptr);
  const auto r = RunAll(*client, {{"GET", "/apis/apps/v1/namespaces/production/deployments/web"},
                                  {"PUT", "/apis/apps/v1/namespaces/production/deployments/web", "{}"},
                                  {"GET", "/text"},
                                  {"GET", "/boom"},
                                  {"GET", "/boom-status"},
                                  {"GET", "/forbidden"},
                                  {"POST", "/invalid", "{}"},
                                  {"GET", "/slow-down"},
                                  {"GET", "/moved"}});
  CHECK(r[0].error.kind == k8s::ErrorKind::kNotFound);
  CHECK(r[0].error.http_status == 404);
  CHECK(r[0].error.reason == "NotFound");
  CHECK(r[0].error.message ==
        "GET /apis/apps/v1/namespaces/production/deployments/web: 404 NotFound: deployments.apps \"web\" not found");
  CHECK(r[1].error.kind == k8s::ErrorKind::kConflict);
  CHECK(r[1].error.reason == "Conflict");
  CHECK(r[1].error.message ==
        "PUT /apis/apps/v1/namespaces/production/deployments/web: 409 Conflict: Operation cannot be fulfilled on "
        "deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and "
        "try again");
  CHECK(r[2].error.kind == k8s::ErrorKind::kBadResponse);
  CHECK(r[2].error.message == "GET /text: 200 with a body that is not JSON");
  CHECK(r[3].error.kind == k8s::ErrorKind::kServerError);
  CHECK(r[3].error.message == "GET /boom: 500 (no Kubernetes Status in the response)");
  CHECK(r[4].error.kind == k8s::ErrorKind::kServerError);
  CHECK(r[4].error.message == "GET /boom-status: 500 InternalError: etcdserver: request timed out");
  CHECK(r[5].error.kind == k8s::ErrorKind::kForbidden);
  CHECK(r[6].error.kind == k8s::ErrorKind::kInvalid);
  CHECK(r[6].error.message == "POST /invalid: 422 Invalid: bad value");
  CHECK(r[7].error.kind == k8s::ErrorKind::kTooManyRequests);
  CHECK(r[7].error.message == "GET /slow-down: 429 TooManyRequests");
  CHECK(r[8].error.kind == k8s::ErrorKind::kBadResponse);  // redirects are not followed
  CHECK(r[8].error.http_status == 301);
  CHECK(k8s::ToString(k8s::ErrorKind::kNotFound) == "not_found");
}

TEST_CASE("k8s client: client certificate over TLS with a verified CA, from kubeconfig -data keys") {
  runbookd::testing::TestCerts certs;
  TestServerTls tls{certs.server.chain, certs.server.key, certs.ca.ca_cert()};
  Recorder seen;
  TestHttpServer server(
      [&](const TestRequest& req) {
        seen.Add(req);
        return Json(R"({"kind":"NodeList","items":[]})");
      },
      tls);
  TempDir dir;
  const std::string kubeconfig =
      "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u, namespace: ops}}]\n"
      "clusters: [{name: k, cluster: {server: \"" +
      server.Url("") + "\", certificate-authority-data: " + k8s::Base64Encode(ReadFile(certs.ca.ca_cert())) +
      "}}]\nusers: [{name: u, user: {client-certificate-data: " + k8s::Base64Encode(ReadFile(certs.client.cert)) +
      ", client-key-data: " + k8s::Base64Encode(ReadFile(certs.client.key)) + "}}]\n";
  std::string errors;
  auto settings = FromKubeconfig(dir, kubeconfig, &errors);
  INFO(errors);
  REQUIRE(settings);
  ManualClock clock;
  auto client = k8s::Client::Create(*settings, clock, nullptr);
  CHECK(client->default_namespace() == "ops");
  CHECK(client->server() == server.Url(""));
  const k8s::Reply reply = RunOne(*client, {"GET", "/api/v1/nodes"});
  INFO(reply.error.message);
  REQUIRE(reply.ok());
  REQUIRE(seen.size() == 1);
  CHECK(seen.All()[0].tls);
  CHECK(seen.All()[0].client_cert_subject.find("runbookd-test-client") != std::string::npos);
  CHECK(seen.Header(0, "authorization").empty());

  SECTION("a server signed by another CA is refused") {
    TestHttpServer untrusted([](const TestRequest&) { return Json("{}"); },
                             TestServerTls{certs.untrusted.chain, certs.untrusted.key, ""});
    k8s::ConnectionSettings other = *settings;
    other.server = untrusted.Url("");
    auto other_client = k8s::Client::Create(other, clock, nullptr);
    const k8s::Reply refused = RunOne(*other_client, {"GET", "/api/v1/nodes"});
    CHECK(refused.error.kind == k8s::ErrorKind::kTransport);
    CHECK(refused.error.http_status == 0);
    CHECK(refused.error.message.rfind("GET /api/v1/nodes: ", 0) == 0);
  }
}

TEST_CASE("k8s client: tls-server-name and insecure-skip-tls-verify") {
  runbookd::testing::TestCerts certs;
  ManualClock clock;
  const std::string ca = ReadFile(certs.ca.ca_cert());

  SECTION("tls-server-name verifies the name the certificate has") {
    TestHttpServer server([](const TestRequest&) { return Json("{}"); },
                          TestServerTls{certs.wrong_host.chain, certs.wrong_host.key, ""});
    k8s::ConnectionSettings settings;
    settings.name = "tls";
    settings.server = server.Url("");
    settings.ca_pem = ca;
    auto without = k8s::Client::Create(settings, clock, nullptr);
    CHECK(RunOne(*without).error.kind == k8s::ErrorKind::kTransport);
    settings.tls_server_name = "wrong.example.com";
    auto with = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*with);
    INFO(reply.error.message);
    CHECK(reply.ok());
  }
  SECTION("insecure-skip-tls-verify accepts an untrusted certificate") {
    TestHttpServer server([](const TestRequest&) { return Json("{}"); },
                          TestServerTls{certs.untrusted.chain, certs.untrusted.key, ""});
    k8s::ConnectionSettings settings;
    settings.name = "tls";
    settings.server = server.Url("");
    settings.ca_pem = ca;
    auto strict = k8s::Client::Create(settings, clock, nullptr);
    CHECK(RunOne(*strict).error.kind == k8s::ErrorKind::kTransport);
    settings.insecure_skip_tls_verify = true;
    auto insecure = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*insecure);
    INFO(reply.error.message);
    CHECK(reply.ok());
  }
}

TEST_CASE("k8s client: the rate limiter lets a burst through, then waits until the deadline") {
  Recorder seen;
  TestHttpServer server([&](const TestRequest& req) {
    seen.Add(req);
    return Json("{}");
  });
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(server);
  settings.qps = 0.001;  // one token per ~17 minutes
  settings.burst = 2;
  auto client = k8s::Client::Create(settings, clock, nullptr);
  CHECK(RunOne(*client, {"GET", "/1"}).ok());
  CHECK(RunOne(*client, {"GET", "/2"}).ok());
  const k8s::Reply third = RunOne(*client, {"GET", "/3", "", 200ms});
  CHECK(third.error.kind == k8s::ErrorKind::kTimeout);
  CHECK(third.error.message ==
        "GET /3: deadline exceeded while waiting for the client-side rate limit (qps 0.001, burst 2)");
  CHECK(seen.size() == 2);  // the third never reached the server
}

TEST_CASE("k8s client: an unanswered request ends with kTimeout at its deadline") {
  ManualClock clock;
  SECTION("the server is slow") {
    TestHttpServer server([](const TestRequest&) {
      TestResponse r = Json("{}");
      r.delay = 30s;
      return r;
    });
    auto client = k8s::Client::Create(PlainSettings(server), clock, nullptr);
    const k8s::Reply reply = RunOne(*client, {"GET", "/slow", "", 300ms});
    CHECK(reply.error.kind == k8s::ErrorKind::kTimeout);
    CHECK(reply.error.http_status == 0);
    CHECK(reply.error.message.rfind("GET /slow: ", 0) == 0);
  }
  SECTION("the address is blackholed") {
    runbookd::testing::BlackholeListener hole;
    if (!hole.works()) {
      WARN("skipped: could not make a blackholed port here");
      return;
    }
    k8s::ConnectionSettings settings;
    settings.name = "hole";
    settings.server = "http://127.0.0.1:" + std::to_string(hole.port());
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client, {"GET", "/x", "", 300ms});
    CHECK(reply.error.kind == k8s::ErrorKind::kTimeout);
  }
  SECTION("nothing listens: a transport error") {
    k8s::ConnectionSettings settings;
    settings.name = "refused";
    settings.server = "http://127.0.0.1:" + std::to_string(runbookd::testing::RefusedPort());
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client, {"GET", "/x", "", 5s});
    CHECK(reply.error.kind == k8s::ErrorKind::kTransport);
  }
}

TEST_CASE("k8s client: a caller that stops waiting gets kCancelled") {
  TestHttpServer server([](const TestRequest&) {
    TestResponse r = Json("{}");
    r.delay = 30s;
    return r;
  });
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(server);
  settings.server += "/";  // tolerated
  auto client = k8s::Client::Create(settings, clock, nullptr);
  asio::io_context ioc;
  k8s::Reply reply;
  bool timer_won = false;
  // Races the call against a short timer, as the scheduler races a probe against its interval:
  // the loser is cancelled through its cancellation slot.
  auto get = [&]() -> asio::awaitable<void> {
    asio::any_io_executor ex = co_await asio::this_coro::executor;
    std::string path = "/slow";
    reply = co_await client->Get(ex, std::move(path), std::chrono::steady_clock::now() + 30s);
  };
  auto race = [&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(ioc, 200ms);
    auto outcome = co_await (get() || timer.async_wait(asio::use_awaitable));
    timer_won = outcome.index() == 1;
  };
  asio::co_spawn(ioc, race(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  ioc.run();
  CHECK(timer_won);
  CHECK(reply.error.kind == k8s::ErrorKind::kCancelled);
  CHECK(reply.error.message.rfind("GET /slow: ", 0) == 0);
}
