#include "daemon/app/actions_route.hpp"

#include <boost/json.hpp>

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
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    error = "$: not valid JSON: " + ec.message();
    return std::nullopt;
  }
  if (!v.is_object()) {
    error = "$: expected an object";
    return std::nullopt;
  }
  for (const auto& kv : v.get_object()) {
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

http::Handler MakeRunActionHandler(std::shared_ptr<const std::vector<ActionSettings>> actions, bool server_dry_run,
                                   std::function<ActionRunner&()> runner) {
  return [actions, server_dry_run, runner](const http::Request& req) -> asio::awaitable<http::Response> {
    const std::string& name = req.path_params.at("name");
    const ActionSettings* found = nullptr;
    for (const auto& a : *actions) {
      if (a.name == name) found = &a;
    }
    if (found == nullptr) co_return http::Response::Error(404, "not_found", "no action named \"" + name + "\"");
    std::string error;
    auto body = ParseRunActionBody(req.body, error);
    if (!body) co_return http::Response::Error(400, "bad_request", error);
    ActionRunRequest run;
    run.action = found->name;
    run.impl = found->action;
    run.params = std::move(body->params);
    run.dry_run = body->dry_run || found->dry_run || server_dry_run;
    // No approval gate yet: an action that needs approval can be planned (dry run) but not run.
    if (found->approval_required && !run.dry_run) {
      co_return http::Response::Error(409, "approval_required",
                                      "action \"" + name +
                                          "\" needs approval (destructive, or `approval: required`); approvals are "
                                          "not available in this version: run it with --dry-run, or set "
                                          "`approval: none` on the action to allow manual runs");
    }
    run.timeout = found->timeout;
    run.requested_by = "api:" + req.token_name;
    auto pending = runner().Run(std::move(run));
    const ActionRunResult result = co_await std::move(pending);
    co_return RunResultResponse(result);
  };
}

}  // namespace runbookd
