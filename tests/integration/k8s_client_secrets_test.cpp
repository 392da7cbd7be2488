// No token, password, key or exec-plugin output appears in the client's logs or error messages,
// whatever goes wrong.
#include <cstdio>

#include "daemon/clients/http/http_client.hpp"
#include "tests/integration/k8s_client_harness.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/test_certs.hpp"

using namespace runbookd;
using namespace runbookd::k8s_test;
using runbookd::testing::ManualClock;
using runbookd::testing::ReadFile;
using runbookd::testing::TempDir;

TEST_CASE("k8s client: secrets stay out of logs and error messages on every failure path") {
  runbookd::testing::TestCerts certs;
  // Rejects every credential, and answers writes with a Status that does not echo the body.
  Recorder seen;
  TestHttpServer api([&](const TestRequest& req) {
    seen.Add(req);
    if (req.method != "GET")
      return Json(R"({"kind":"Status","reason":"Invalid","message":"spec: Invalid value"})", 422);
    return Json(R"({"kind":"Status","reason":"Unauthorized","message":"Unauthorized","code":401})", 401);
  });
  TestHttpServer untrusted([](const TestRequest&) { return Json("{}"); },
                           runbookd::testing::TestServerTls{certs.untrusted.chain, certs.untrusted.key, ""});
  TempDir dir;
  LogCapture log;
  ManualClock clock;
  std::vector<std::string> messages;
  auto run = [&](const k8s::ConnectionSettings& settings, std::vector<Call> calls) {
    auto client = k8s::Client::Create(settings, clock, log.logger);
    for (const auto& reply : RunAll(*client, calls)) {
      CHECK_FALSE(reply.ok());
      messages.push_back(reply.error.message);
    }
  };
  const Call get{"GET", "/api/v1/pods"};
  const Call write{"PUT", "/api/v1/namespaces/ops/secrets/db", R"({"data":{"password":"SECRET-REQUEST-BODY"}})"};

  // A static token, rejected; and a request body, rejected.
  k8s::ConnectionSettings token = PlainSettings(api);
  token.token = config::Secret("SECRET-STATIC-TOKEN");
  run(token, {get, write});

  // Basic auth, rejected.
  k8s::ConnectionSettings basic = PlainSettings(api);
  basic.username = "admin";
  basic.password = config::Secret("SECRET-PASSWORD");
  run(basic, {get});

  // A token file: rejected, then unreadable (the old token is kept), then never readable.
  k8s::ConnectionSettings file = PlainSettings(api);
  file.token_file = dir.Write("token", "SECRET-FILE-TOKEN\n");
  {
    auto client = k8s::Client::Create(file, clock, log.logger);
    messages.push_back(RunOne(*client, get).error.message);
    std::remove(file.token_file.c_str());
    messages.push_back(RunOne(*client, get).error.message);
  }
  run(file, {get});

  // Exec plugins: one that fails after printing a secret, one whose token is rejected.
  k8s::ConnectionSettings exec = PlainSettings(api);
  exec.exec = k8s::ExecPluginSettings{
      "client.authentication.k8s.io/v1",
      WriteExecutable(
          dir, "leaky.sh",
          "#!/bin/sh\necho '{\"status\":{\"token\":\"EXEC-STDOUT-SECRET\"}}'\necho 'it broke' >&2\nexit 1\n"),
      {},
      {},
      false,
      "Never"};
  run(exec, {get});
  exec.exec->command = WriteExecutable(
      dir, "rejected.sh",
      "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
      "\"status\":{\"token\":\"SECRET-EXEC-TOKEN\"}}'\n");
  run(exec, {get, write});

  // A client key: with a server that fails verification, and with a key that does not match.
  k8s::ConnectionSettings tls;
  tls.name = "tls";
  tls.server = untrusted.Url("");
  tls.ca_pem = ReadFile(certs.ca.ca_cert());
  tls.client_cert_pem = ReadFile(certs.client.cert);
  tls.client_key_pem = config::Secret(ReadFile(certs.client.key));
  tls.token = config::Secret("SECRET-TLS-TOKEN");
  run(tls, {get});
  tls.client_key_pem = config::Secret(ReadFile(certs.server.key));
  run(tls, {get});

  const std::string logs = log.text();
  std::string all = logs;
  for (const auto& m : messages) all += m + "\n";
  INFO(all);
  CHECK(messages.size() == 11);
  CHECK(logs.find("[debug]") != std::string::npos);  // the capture works
  CHECK(logs.find("[warning]") != std::string::npos);
  const std::string key_pem = ReadFile(certs.client.key);
  const std::string key_line = key_pem.substr(key_pem.find('\n') + 1, 40);  // a line of the key's base64
  for (const std::string& secret :
       {std::string("SECRET-STATIC-TOKEN"), std::string("SECRET-PASSWORD"),
        http_client::BasicAuthorization("admin", "SECRET-PASSWORD"), std::string("SECRET-FILE-TOKEN"),
        std::string("EXEC-STDOUT-SECRET"), std::string("SECRET-EXEC-TOKEN"), std::string("SECRET-TLS-TOKEN"),
        std::string("SECRET-REQUEST-BODY"), std::string("PRIVATE KEY"), key_line, std::string("Bearer")}) {
    CHECK(all.find(secret) == std::string::npos);
  }
  // The failures are still explained.
  CHECK(all.find("401 Unauthorized") != std::string::npos);
  CHECK(all.find("exited with status 1: it broke") != std::string::npos);
  CHECK(all.find("cannot read token file") != std::string::npos);
  CHECK(all.find("cannot load the client key: key values mismatch") != std::string::npos);
}
