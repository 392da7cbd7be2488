#include <httplib.h>
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/support/runbookd_process.hpp"

using namespace runbookd::testing;
namespace json = boost::json;

namespace {

const char* kConfig = R"(auth:
  tokens:
    - { name: reader, role: reader, token_file: reader.token }
probes:
  - name: api
    type: tcp
    interval: 1s
    timeout: 500ms
    spec: { address: "127.0.0.1:1" }
rules:
  - name: APIEndpointDown
    severity: critical
    when: { probe: api, status: unhealthy }
    resolve_after: 10m
)";

json::array OpenIncidents(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/api/v1/incidents", {{"Authorization", "Bearer reader-secret"}});
  if (!res || res->status != 200) return {};
  return json::parse(res->body).at("incidents").as_array();
}

}  // namespace

TEST_CASE("a restart keeps open incidents with the same ids and opens no duplicate", "[incidents][restart]") {
  TempDir dir;
  dir.Write("reader.token", "reader-secret\n");
  json::array before;
  {
    RunbookdProcess rb(dir, kConfig);
    REQUIRE(rb.WaitReady());
    REQUIRE(PollUntil([&] { return !(before = OpenIncidents(rb.port())).empty(); }, std::chrono::seconds(15)));
    // SIGKILL: no chance to flush anything that was not already committed.
    rb.process().Signal(SIGKILL);
    rb.process().Wait(std::chrono::seconds(5));
  }
  REQUIRE(before.size() == 1);
  const auto id = before[0].at("id").as_int64();

  RunbookdProcess again(dir, kConfig);
  REQUIRE(again.WaitReady());
  // Let the probe run and the rule fire again after the restart: still the one incident.
  std::string timeline;
  REQUIRE(PollUntil(
      [&] {
        httplib::Client client("127.0.0.1", again.port());
        auto res = client.Get(("/api/v1/incidents/" + std::to_string(id)).c_str(),
                              {{"Authorization", "Bearer reader-secret"}});
        if (!res || res->status != 200) return false;
        timeline = res->body;
        return timeline.find("matches again") != std::string::npos;
      },
      std::chrono::seconds(15)));
  auto after = OpenIncidents(again.port());
  REQUIRE(after.size() == 1);
  CHECK(after[0].at("id").as_int64() == id);
  CHECK(after[0].at("rule").as_string() == "APIEndpointDown");
  CHECK(after[0].at("state").as_string() == "open");
}
