#include "daemon/app/approvals_route.hpp"

#include <boost/json.hpp>

#include "daemon/app/api_json.hpp"

namespace runbookd {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

json::value OptionalTime(const std::optional<WallTime>& t) { return t ? json::value(Rfc3339(*t)) : json::value(); }

template <typename T>
json::value OptionalNumber(const std::optional<T>& n) {
  return n ? json::value(*n) : json::value();
}

}  // namespace

json::object ApprovalJson(const store::ApprovalRecord& a) {
  json::array votes;
  for (const auto& v : a.votes) {
    votes.push_back(json::object{{"approver", v.approver},
                                 {"verdict", store::ToString(v.verdict)},
                                 {"comment", v.comment},
                                 {"at", Rfc3339(v.at)}});
  }
  json::value plan;
  if (!a.plan_json.empty()) {
    boost::system::error_code ec;
    plan = json::parse(a.plan_json, ec);
    if (ec) plan = nullptr;
  }
  return json::object{{"id", a.id},
                      {"action", a.action},
                      {"target", a.target},
                      {"summary", a.summary},
                      {"plan_hash", a.plan_hash},
                      {"plan", std::move(plan)},
                      {"incident_id", OptionalNumber(a.incident_id)},
                      {"intent_id", OptionalNumber(a.intent_id)},
                      {"requested_by", a.requested_by},
                      {"requested_at", Rfc3339(a.requested_at)},
                      {"expires_at", Rfc3339(a.expires_at)},
                      {"quorum", a.quorum},
                      {"approvals", a.approve_votes()},
                      {"state", store::ToString(a.state)},
                      {"decided_at", OptionalTime(a.decided_at)},
                      {"reason", a.reason},
                      {"invalidated", a.invalidated},
                      {"votes", std::move(votes)}};
}

std::optional<std::string> ParseVoteBody(const std::string& body, std::string& error) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::string();
  const auto object = ParseObjectBody(body, "an object such as {\"comment\": \"...\"}", error);
  if (!object) return std::nullopt;
  std::string comment;
  for (const auto& kv : *object) {
    if (kv.key() != "comment") {
      error = "$." + std::string(kv.key()) + ": unknown key (expected comment)";
      return std::nullopt;
    }
    if (!kv.value().is_string()) {
      error = "$.comment: expected a string";
      return std::nullopt;
    }
    comment = std::string(kv.value().get_string());
  }
  return comment;
}

unsigned StatusFor(gates::ApprovalError error) {
  switch (error) {
    case gates::ApprovalError::kNotFound:
      return 404;
    case gates::ApprovalError::kAlreadyDecided:
    case gates::ApprovalError::kExpired:
    case gates::ApprovalError::kDuplicateVoter:
    case gates::ApprovalError::kPlanChanged:
      return 409;
    case gates::ApprovalError::kStoreUnavailable:
      return 503;
  }
  return 500;
}

http::Handler MakeListApprovalsHandler(std::function<gates::ApprovalBook&()> book) {
  return [book](const http::Request&) -> asio::awaitable<http::Response> {
    json::array items;
    for (const auto& a : book().Pending()) items.push_back(ApprovalJson(a));
    co_return http::Response::Json(200, json::object{{"approvals", std::move(items)}});
  };
}

http::Handler MakeVoteHandler(std::function<gates::ApprovalBook&()> book, const Clock& clock,
                              store::ApprovalVerdict verdict) {
  return [book, &clock, verdict](const http::Request& req) -> asio::awaitable<http::Response> {
    const std::string& raw = req.path_params.at("id");
    const auto id = ParsePathId(raw);
    if (!id) co_return http::Response::Error(400, "bad_request", "approval id must be a positive integer");
    std::string error;
    auto comment = ParseVoteBody(req.body, error);
    if (!comment) co_return http::Response::Error(400, "bad_request", error);
    // Named, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
    auto vote = book().Vote(*id, req.token_name, verdict, std::move(*comment), clock.WallNow());
    const gates::ApprovalAnswer answer = co_await std::move(vote);
    if (!answer.ok()) {
      co_return http::Response::Error(StatusFor(*answer.error), std::string(gates::ToString(*answer.error)),
                                      answer.message);
    }
    co_return http::Response::Json(200, ApprovalJson(*answer.approval));
  };
}

}  // namespace runbookd
