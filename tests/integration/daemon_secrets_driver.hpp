#pragma once

// Driving the daemon in the whole-daemon secrets test: raw API calls and runbookctl runs whose
// answers are all kept (a Transcript) to be scanned for secrets afterwards, approvals, incident
// states, and Slack clicks signed with a given secret.

#include <httplib.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/approvals_api_support.hpp"
#include "tests/integration/daemon_secrets_support.hpp"

namespace runbookd::testing::daemon_secrets {

inline constexpr auto kLimit = std::chrono::seconds(60);

// Everything runbookd said, each piece with where it came from.
struct Transcript {
  std::vector<std::pair<std::string, std::string>> pieces;
  void Add(const std::string& where, const std::string& text) { pieces.emplace_back(where, text); }
  std::string Find(const std::string& where) const {
    std::string all;
    for (const auto& [w, t] : pieces) all += w.rfind(where, 0) == 0 ? t + "\n" : "";
    return all;
  }
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

inline HttpAnswer Http(Transcript& t, const RunbookdProcess& rb, const std::string& method, const std::string& path,
                       const std::string& token, const std::string& body = {}, httplib::Headers headers = {},
                       const std::string& type = "application/json") {
  httplib::Client client("127.0.0.1", rb.port());
  client.set_read_timeout(20);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = method == "POST" ? client.Post(path.c_str(), headers, body, type.c_str()) : client.Get(path, headers);
  REQUIRE(res);
  std::string text = std::to_string(res->status) + "\n";
  for (const auto& [k, v] : res->headers) text += k + ": " + v + "\n";
  t.Add(method + " " + path, text + res->body);
  return HttpAnswer{res->status, res->body};
}

inline CommandResult Said(Transcript& t, const CommandResult& r, const std::string& what) {
  t.Add("runbookctl " + what, r.out + "\n" + r.err);
  return r;
}

// The id of a pending approval of `action`, 0 when there is none.
inline int64_t PendingNow(const TempDir& dir, const RunbookdProcess& rb, const std::string& action) {
  const auto listed = Ctl(dir, rb, "reader", {"--output", "json", "approvals"});
  boost::system::error_code ec;
  const auto v = boost::json::parse(listed.out, ec);
  if (ec || !v.is_object()) return 0;
  for (const auto& a : v.at("approvals").as_array()) {
    if (a.at("action").as_string() == action) return a.at("id").to_number<int64_t>();
  }
  return 0;
}

// Polls until an approval of `action` is pending; its id, 0 after the limit.
inline int64_t PendingApproval(const TempDir& dir, const RunbookdProcess& rb, const std::string& action) {
  int64_t id = 0;
  PollUntil([&] { return (id = PendingNow(dir, rb, action)) != 0; }, kLimit);
  return id;
}

// The state of incident `id` ("open", "resolved", ...), as the API shows it.
inline std::string IncidentState(const RunbookdProcess& rb, const std::string& id) {
  httplib::Client client("127.0.0.1", rb.port());
  auto res = client.Get("/api/v1/incidents/" + id, {{"Authorization", "Bearer reader-secret"}});
  if (!res || res->status != 200) return "";
  boost::system::error_code ec;
  const auto v = boost::json::parse(res->body, ec);
  const auto* state = ec || !v.is_object() ? nullptr : v.as_object().if_contains("state");
  return state && state->is_string() ? std::string(state->as_string()) : "";
}

inline HttpAnswer SlackClick(Transcript& t, const RunbookdProcess& rb, int64_t approval, bool approve,
                             const std::string& secret) {
  const std::string body = SlackClickForm(approval, approve);
  const std::string ts = std::to_string(std::time(nullptr));
  return Http(t, rb, "POST", "/api/v1/slack/interactions", "", body,
              {{"X-Slack-Request-Timestamp", ts}, {"X-Slack-Signature", SlackSignature(secret, ts, body)}},
              "application/x-www-form-urlencoded");
}

inline std::string AlertPayload() {
  return R"({"version":"4","groupKey":"{}:{alertname=\"ShopLatency\"}","status":"firing","receiver":"runbookd",
    "groupLabels":{"alertname":"ShopLatency"},"commonLabels":{"alertname":"ShopLatency"},"commonAnnotations":{},
    "externalURL":"http://alertmanager:9093","truncatedAlerts":0,
    "alerts":[{"status":"firing","labels":{"alertname":"ShopLatency","service":"shop"},"annotations":{},
      "startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"5ec7e75a0b1c2d3e"}]})";
}

}  // namespace runbookd::testing::daemon_secrets
