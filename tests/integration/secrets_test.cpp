#include <httplib.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/support/runbookd_process.hpp"

using namespace runbookd::testing;

// Tokens are configured through files; whatever a client sends, right or wrong, no token may
// show up in the log, the metrics or any API answer.
TEST_CASE("no secret appears in logs, errors, metrics or API answers", "[secrets]") {
  TempDir dir;
  const std::string admin = "s3cr3t-admin-AAAAAAAAAAAA";
  const std::string reader = "s3cr3t-reader-BBBBBBBBBBB";
  const std::string webhook = "s3cr3t-webhook-CCCCCCCCCC";
  const std::string wrong = "s3cr3t-wrong-DDDDDDDDDDDD";
  dir.Write("tokens/admin", admin + "\n");
  dir.Write("tokens/reader", reader + "\n");
  dir.Write("tokens/webhook", webhook + "\n");
  const std::string config = R"(log: { level: debug, format: json }
auth:
  tokens:
    - { name: admin, role: admin, token_file: tokens/admin }
    - { name: reader, role: reader, token_file: tokens/reader }
    - { name: am, role: webhook, token_file: tokens/webhook }
)";
  RunbookdProcess rb(dir, config);
  REQUIRE(rb.WaitReady());

  httplib::Client client("127.0.0.1", rb.port());
  std::string seen;
  auto call = [&](const char* method, const std::string& path, const std::string& token, int expected) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    auto res = std::string(method) == "GET" ? client.Get(path.c_str(), headers)
                                            : client.Post(path.c_str(), headers, "", "application/json");
    REQUIRE(res);
    CHECK(res->status == expected);
    seen += res->body;
    for (const auto& [k, v] : res->headers) seen += k + ": " + v + "\n";
  };
  call("GET", "/api/v1/probes", reader, 200);
  call("GET", "/api/v1/probes", wrong, 401);
  call("GET", "/api/v1/probes", webhook, 403);
  call("GET", "/api/v1/probes", "", 401);
  call("POST", "/-/reload", reader, 403);
  call("POST", "/-/reload", admin, 200);
  call("GET", "/metrics", "", 200);

  // A broken reload reports errors about the token config; they must name files, not values.
  dir.Write("runbookd.yaml",
            ReadFile(rb.config_file()) + "    - { name: dup, role: reader, token_file: tokens/reader }\n");
  call("POST", "/-/reload", admin, 500);
  CHECK(seen.find("same as token") != std::string::npos);

  rb.process().Signal(SIGTERM);
  REQUIRE(rb.process().Wait(std::chrono::seconds(10)) == 0);
  const std::string log = rb.Log();
  CHECK(log.find("reloaded") != std::string::npos);
  for (const auto& secret : {admin, reader, webhook, wrong}) {
    INFO("secret " << secret);
    CHECK(seen.find(secret) == std::string::npos);
    CHECK(log.find(secret) == std::string::npos);
  }
}
