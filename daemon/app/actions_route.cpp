#include "daemon/app/actions_route.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "daemon/app/api_json.hpp"

namespace runbookd {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

std::optional<int64_t> WholeNumber(const json::value& v) {
  if (!v.is_double()) return std::nullopt;
  const double d = v.get_double();
  if (!(d > -1e15 && d < 1e15) || d != static_cast<double>(static_cast<int64_t>(d))) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace

std::optional<RunActionBody> ParseRunActionBody(const std::string& body, std::string& error) {
  RunActionBody out;
  if (body.empty()) return out;  // no params, not a dry run
  const auto object = ParseObjectBody(body, "an object", error);
  if (!object) return std::nullopt;
  for (const auto& kv : *object) {
    if (kv.key() == "dry_run") {
      if (!kv.value().is_bool()) {
        error = "$.dry_run: expected true or false";
        return std::nullopt;
      }
      out.dry_run = kv.value().get_bool();
    } else if (kv.key() == "params") {
      if (!kv.value().is_object()) {
        error = "$.params: expected an object of strings";
        return std::nullopt;
      }
      for (const auto& p : kv.value().get_object()) {
        const std::string path = "$.params." + std::string(p.key());
        if (p.value().is_string()) {
          out.params[p.key()] = std::string(p.value().get_string());
        } else if (auto whole = WholeNumber(p.value())) {
          out.params[p.key()] = std::to_string(*whole);  // 5.0 means 5, not "5E0"
        } else if (p.value().is_int64() || p.value().is_uint64() || p.value().is_double() || p.value().is_bool()) {
          out.params[p.key()] = json::serialize(p.value());  // `--param replicas=5` and {"replicas": 5} mean the same
        } else {
          error = path + ": expected a string, a number, true or false";
          return std::nullopt;
        }
      }
    } else {
      error = "$." + std::string(kv.key()) + ": unknown key (expected params, dry_run)";
      return std::nullopt;
    }
  }
  return out;
}

namespace {

unsigned StatusFor(OutcomeReason reason) {
  switch (reason) {
    case OutcomeReason::kOk:
    case OutcomeReason::kNoop:
      return 200;
    case OutcomeReason::kInvalidParams:
      return 400;
    case OutcomeReason::kRefused:
    case OutcomeReason::kConflict:
    case OutcomeReason::kNotFound:
    case OutcomeReason::kVerifyFailed:
      return 409;
    case OutcomeReason::kUnauthorized:
    case OutcomeReason::kApiError:
    case OutcomeReason::kUnavailable:
    case OutcomeReason::kTimeout:
      return 503;  // the Kubernetes API (or the way to it) failed, not the request
    case OutcomeReason::kInternalError:
      return 500;
  }
  return 500;
}

}  // namespace

http::Response RunResultResponse(const ActionRunResult& result) {
  json::object body{{"action", result.plan.action}, {"dry_run", result.dry_run}, {"plan", result.plan.ToJson()}};
  if (result.intent_id) body["intent_id"] = *result.intent_id;
  if (result.store_error) {
    return http::Response::Error(503, "store_unavailable",
                                 "not run: the intent could not be recorded: " + result.store_error->message);
  }
  if (result.busy) {
    body["error"] = "another run on " + result.plan.target + " is in progress; not run";
    body["code"] = "busy";
    return http::Response::Json(409, body);
  }
  OutcomeReason reason = result.plan.verdict;
  std::string message = result.plan.summary;
  if (result.outcome) {
    reason = result.outcome->reason;
    message = result.outcome->detail;
    body["outcome"] = json::object{{"ok", result.outcome->ok},
                                   {"reason", ToString(result.outcome->reason)},
                                   {"retryable", result.outcome->retryable},
                                   {"detail", result.outcome->detail},
                                   {"data", result.outcome->data}};
  }
  const unsigned status = StatusFor(reason);
  if (status != 200) {
    body["error"] = message;
    body["code"] = ToString(reason);
  }
  return http::Response::Json(status, body);
}

namespace {

json::array DecisionsJson(const std::vector<GateDecision>& decisions) {
  json::array out;
  for (const auto& d : decisions) {
    out.push_back(json::object{{"gate", d.gate}, {"verdict", ToString(d.verdict)}, {"reason", d.reason}});
  }
  return out;
}

// The first answer of an attempt: its end, or the moment it starts waiting for approval.
struct FirstAnswer {
  explicit FirstAnswer(asio::any_io_executor ex) : signal(ex, asio::steady_timer::time_point::max()) {}
  std::optional<AttemptResult> result;
  asio::steady_timer signal;
  void Set(const AttemptResult& r) {
    if (result) return;
    result = r;
    signal.cancel();
  }
};

}  // namespace

http::Response AttemptResponse(const AttemptResult& attempt) {
  switch (attempt.end) {
    case AttemptEnd::kPending: {
      json::object body{{"action", attempt.run.plan.action},
                        {"state", "pending"},
                        {"approval_id", attempt.approval_id.value_or(0)},
                        {"plan", attempt.run.plan.ToJson()},
                        {"decisions", DecisionsJson(attempt.decisions)}};
      return http::Response::Json(202, body);
    }
    case AttemptEnd::kDenied:
    case AttemptEnd::kBusy: {
      const std::string gate = attempt.decisions.empty() ? "pipeline" : attempt.decisions.back().gate;
      json::object body{{"action", attempt.run.plan.action},
                        {"plan", attempt.run.plan.ToJson()},
                        {"decisions", DecisionsJson(attempt.decisions)},
                        {"error", attempt.reason},
                        {"code", attempt.end == AttemptEnd::kBusy ? "busy" : "denied_by_" + gate}};
      return http::Response::Json(409, body);
    }
    case AttemptEnd::kFailed:
      if (attempt.run.store_error || attempt.run.outcome) break;
      if (attempt.reason.starts_with("no action named")) return http::Response::Error(404, "not_found", attempt.reason);
      return http::Response::Error(500, "internal_error", attempt.reason);
    default:
      break;
  }
  http::Response r = RunResultResponse(attempt.run);
  return r;
}

http::Handler MakeRunActionHandler(std::shared_ptr<const std::vector<ActionSettings>> actions,
                                   std::function<ActionPipeline&()> pipeline) {
  return [actions, pipeline](const http::Request& req) -> asio::awaitable<http::Response> {
    const std::string& name = req.path_params.at("name");
    bool known = false;
    for (const auto& a : *actions) known = known || a.name == name;
    if (!known) co_return http::Response::Error(404, "not_found", "no action named \"" + name + "\"");
    std::string error;
    auto body = ParseRunActionBody(req.body, error);
    if (!body) co_return http::Response::Error(400, "bad_request", error);
    AttemptRequest attempt;
    attempt.action = name;
    attempt.params = std::move(body->params);
    attempt.dry_run = body->dry_run;
    attempt.requested_by = "api:" + req.token_name;
    // Through every gate, as an automatic run. One that waits for approval is answered 202 at
    // once and goes on in the background; runbookctl approve ID lets it through.
    auto ex = co_await asio::this_coro::executor;
    auto first = std::make_shared<FirstAnswer>(ex);
    asio::co_spawn(ex, pipeline().Attempt(std::move(attempt), [first](const AttemptResult& r) { first->Set(r); }),
                   [first](std::exception_ptr e, AttemptResult r) {
                     if (e) {
                       r.end = AttemptEnd::kFailed;
                       r.reason = "the run failed inside runbookd";
                     }
                     first->Set(r);
                   });
    boost::system::error_code ec;
    while (!first->result) co_await first->signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return AttemptResponse(*first->result);
  };
}

}  // namespace runbookd
