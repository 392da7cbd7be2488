#pragma once

// Runs runbookd's native Kubernetes actions in-process against a FakeKube, the way the daemon
// does (a k8s::Client from a kubeconfig, the action built from its YAML spec, Plan then Execute).

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

#include "config/diagnostics.hpp"
#include "config/node.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/registry.hpp"
#include "tests/support/fake_kube.hpp"
#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

inline std::shared_ptr<spdlog::logger> NullLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

struct NativeRun {
  ActionPlan plan;
  std::optional<Outcome> outcome;  // set when the plan was runnable and Execute ran
};

// A client for `kube` built exactly as the daemon builds one from `connections.NAME`.
inline std::shared_ptr<k8s::Client> ClientFor(const FakeKube& kube, const TempDir& dir, const Clock& clock) {
  const std::string kubeconfig = kube.WriteKubeconfig(dir.path());
  config::Diagnostics diagnostics;
  auto doc = config::Document::Parse("kubeconfig: " + kubeconfig + "\n", dir.path() + "/runbookd.yaml", diagnostics);
  REQUIRE(doc.ok());
  auto settings = k8s::ReadConnection("fake", doc.root());
  INFO(diagnostics.Format());
  REQUIRE(settings.has_value());
  REQUIRE(diagnostics.empty());
  return k8s::Client::Create(*settings, clock, NullLogger());
}

// Builds the action from `spec_yaml` and runs Plan (and Execute when the plan is runnable).
inline NativeRun RunNative(const ActionFactory& factory, const std::string& spec_yaml,
                           const std::shared_ptr<k8s::Client>& client, const Clock& clock,
                           const ActionParams& params = {}) {
  config::Diagnostics diagnostics;
  auto doc = config::Document::Parse(spec_yaml, "spec.yaml", diagnostics);
  REQUIRE(doc.ok());
  ProbeDeps deps{&clock, NullLogger(), client, "fake"};
  auto action = factory(doc.root(), deps);
  doc.CheckUnknownKeys();
  INFO(diagnostics.Format());
  REQUIRE(action != nullptr);
  REQUIRE(diagnostics.empty());
  NativeRun run;
  boost::asio::io_context io;
  bool finished = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const ActionContext ctx{io.get_executor(), clock.SteadyNow() + std::chrono::seconds(60)};
        run.plan = co_await action->Plan(ctx, params);
        if (run.plan.runnable()) run.outcome = co_await action->Execute(ctx, run.plan);
        finished = true;
      },
      boost::asio::detached);
  io.run();
  REQUIRE(finished);
  return run;
}

}  // namespace runbookd::testing
