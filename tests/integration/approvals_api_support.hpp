#pragma once

#include <httplib.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "tests/support/runbookd_process.hpp"

// The daemon with a token of each role, runbookctl and raw HTTP, for the approvals and silences API tests.
namespace runbookd::testing {

inline const std::string kRunbookctl = std::string(RUNBOOKD_BINARY_DIR) + "/daemon/ctl/runbookctl";

// Token names are what the API records as approver and created_by.
inline const char* kApprovalsConfig = R"(auth:
  tokens:
    - { name: dashboards, role: reader, token_file: reader.token }
    - { name: alice, role: approver, token_file: alice.token }
    - { name: bob, role: approver, token_file: bob.token }
    - { name: oncall, role: operator, token_file: operator.token }
)";

inline void WriteTokens(const TempDir& dir) {
  dir.Write("reader.token", "reader-secret\n");
  dir.Write("alice.token", "alice-secret\n");
  dir.Write("bob.token", "bob-secret\n");
  dir.Write("operator.token", "operator-secret\n");
}

// runbookctl with the token file named `who` ("reader", "alice", "bob", "operator").
inline CommandResult Ctl(const TempDir& dir, const RunbookdProcess& rb, const std::string& who,
                         std::vector<std::string> args) {
  std::vector<std::string> argv = {kRunbookctl, "--url", rb.url(), "--token-file", dir.path() + "/" + who + ".token"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

inline boost::json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  INFO(text);
  REQUIRE(!ec);
  return v;
}

struct RawAnswer {
  int status = 0;
  boost::json::value body;
};

inline RawAnswer Raw(const RunbookdProcess& rb, const std::string& method, const std::string& path,
                     const std::string& token, const std::string& body = {}) {
  httplib::Client client("127.0.0.1", rb.port());
  client.set_read_timeout(10);
  const httplib::Headers headers{{"Authorization", "Bearer " + token}};
  auto res = method == "POST"     ? client.Post(path.c_str(), headers, body, "application/json")
             : method == "DELETE" ? client.Delete(path.c_str(), headers)
                                  : client.Get(path.c_str(), headers);
  REQUIRE(res);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(res->body, ec);
  return RawAnswer{res->status, ec ? boost::json::value() : parsed};
}

inline std::string ErrorText(const RawAnswer& a) {
  const auto* o = a.body.if_object();
  const auto* e = o ? o->if_contains("error") : nullptr;
  return e && e->is_string() ? std::string(e->get_string()) : "";
}

inline std::string Rfc3339After(std::chrono::seconds d) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + d);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace runbookd::testing
