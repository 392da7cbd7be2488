#pragma once

// Helpers for the AWS action tests: the scripted aws::Api (aws_api_double.hpp) behind a wrapper
// that moves a ManualClock on every call, and running an action's Plan/Execute once on its own
// io_context.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/node.hpp"
#include "daemon/core/registry.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/unit/aws_api_double.hpp"

namespace runbookd::awstest {

using namespace std::chrono_literals;

// Every call first moves the clock by `step`, so that waits reach their deadlines by state.
class ClockedApi final : public aws::Api {
 public:
  ClockedApi(std::shared_ptr<ScriptedAwsApi> inner, testing::ManualClock& clock, std::chrono::milliseconds step)
      : inner_(std::move(inner)), clock_(clock), step_(step) {}

  boost::asio::awaitable<aws::QueryReply> Query(boost::asio::any_io_executor ex, aws::AwsService service,
                                                std::string action, aws::QueryParams params,
                                                SteadyTime deadline) const override {
    clock_.Advance(step_);
    return inner_->Query(std::move(ex), service, std::move(action), std::move(params), deadline);
  }
  boost::asio::awaitable<aws::JsonReply> RestJson(boost::asio::any_io_executor ex, aws::AwsService service,
                                                  std::string method, std::string path,
                                                  std::optional<boost::json::value> body,
                                                  SteadyTime deadline) const override {
    clock_.Advance(step_);
    return inner_->RestJson(std::move(ex), service, std::move(method), std::move(path), std::move(body), deadline);
  }
  const aws::AwsConnectionSettings& settings() const override { return inner_->settings(); }

 private:
  std::shared_ptr<ScriptedAwsApi> inner_;
  testing::ManualClock& clock_;
  std::chrono::milliseconds step_;
};

inline aws::JsonReply JsonOk(std::string_view body) {
  aws::JsonReply reply;
  reply.attempts = 1;
  reply.http_status = 200;
  reply.body = boost::json::parse(body);
  return reply;
}

inline aws::JsonReply JsonError(aws::ApiErrorKind kind, int status, std::string code, std::string message) {
  aws::JsonReply reply;
  reply.attempts = 1;
  reply.http_status = status;
  reply.error = ApiErrorOf(kind, status, std::move(code), std::move(message));
  return reply;
}

template <typename T>
T RunToCompletion(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  REQUIRE(result.has_value());
  return std::move(*result);
}

// `deadline` is in the steady time of the clock the action was given.
inline ActionPlan RunPlan(const Action& action, SteadyTime deadline, const ActionParams& params = {}) {
  boost::asio::io_context io;
  return RunToCompletion(io, action.Plan(ActionContext{io.get_executor(), deadline}, params));
}

inline Outcome RunExecute(const Action& action, const ActionPlan& plan, SteadyTime deadline) {
  boost::asio::io_context io;
  return RunToCompletion(io, action.Execute(ActionContext{io.get_executor(), deadline}, plan));
}

// The spec as an action item's `spec:` block (each line indented), so that messages name its path.
inline config::Document ParseSpec(const std::string& yaml, config::Diagnostics& diags) {
  std::string text = "spec:\n";
  size_t start = 0;
  while (start < yaml.size()) {
    const size_t end = yaml.find('\n', start);
    text += "  " + yaml.substr(start, end == std::string::npos ? std::string::npos : end + 1 - start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return config::Document::Parse(text, "spec.yaml", diags);
}

// Builds an action from a spec; REQUIREs a clean config.
inline std::unique_ptr<Action> BuildAction(const ActionFactory& factory, const std::string& yaml,
                                           const ActionDeps& deps) {
  config::Diagnostics diags;
  auto doc = ParseSpec(yaml, diags);
  auto action = factory(doc.root()["spec"], deps);
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(action);
  return action;
}

// The errors a spec gives, formatted; empty when it is clean. A factory that records an error
// returns no action.
inline std::string ConfigErrors(const ActionFactory& factory, const std::string& yaml, const ActionDeps& deps) {
  config::Diagnostics diags;
  auto doc = ParseSpec(yaml, diags);
  auto action = factory(doc.root()["spec"], deps);
  const bool factory_errors = !diags.empty();
  doc.CheckUnknownKeys();
  if (diags.empty()) REQUIRE(action);
  if (factory_errors) REQUIRE_FALSE(action);
  return diags.Format();
}

// A scripted API whose calls each move `clock` by `step`, as ActionDeps.
struct ScriptedDeps {
  explicit ScriptedDeps(std::chrono::milliseconds step = 1s) : api(std::make_shared<ScriptedAwsApi>()) {
    deps.aws = std::make_shared<ClockedApi>(api, clock, step);
    deps.clock = &clock;
    deps.connection = "prod";
  }
  ScriptedDeps(const ScriptedDeps&) = delete;
  ScriptedDeps& operator=(const ScriptedDeps&) = delete;

  SteadyTime In(std::chrono::milliseconds d) const { return clock.SteadyNow() + d; }

  testing::ManualClock clock;
  std::shared_ptr<ScriptedAwsApi> api;
  ActionDeps deps;
};

}  // namespace runbookd::awstest
