// A plan binds the run to the objects it saw: when the Deployment changes between Plan and
// Execute, Execute refuses (conflict, not retried) and sends no write.
#include <catch2/catch.hpp>

#include "remediations/k8s_rollout_restart/k8s_rollout_restart_action.hpp"
#include "remediations/k8s_rollout_undo/k8s_rollout_undo_action.hpp"
#include "remediations/k8s_scale/k8s_scale_action.hpp"
#include "tests/integration/k8s_conformance_support.hpp"
#include "tests/support/fake_kube_fixtures.hpp"
#include "tests/support/kubectl.hpp"

using namespace runbookd;
using namespace runbookd::testing;
namespace fx = runbookd::testing::kube_fixtures;

TEST_CASE("a plan made before the Deployment changed is refused at execute time") {
  struct Case {
    const char* name;
    ActionFactory factory;
    std::string spec;
  };
  const Case cases[] = {
      {"k8s_rollout_undo", remediations::k8s_rollout_undo::MakeActionFactory(), ""},
      {"k8s_rollout_restart", remediations::k8s_rollout_restart::MakeActionFactory(), ""},
      {"k8s_scale", remediations::k8s_scale::MakeActionFactory(), "replicas: 6\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      FakeKubeOptions options;
      options.auth = KubeAuth::kBearerToken;
      FakeKube kube(options);
      fx::LoadDeploymentWithHistory(kube);
      SystemClock clock;
      TempDir dir;
      auto client = ClientFor(kube, dir, clock);
      config::Diagnostics diagnostics;
      auto doc = config::Document::Parse("namespace: production\ndeployment: ecommerce-backend\n" + c.spec, "spec.yaml",
                                         diagnostics);
      auto action = c.factory(doc.root(), ProbeDeps{&clock, NullLogger(), client, "fake"});
      REQUIRE(action);
      boost::asio::io_context io;
      ActionPlan plan;
      Outcome outcome;
      std::string before_execute;
      boost::asio::co_spawn(
          io,
          [&]() -> boost::asio::awaitable<void> {
            const ActionContext ctx{io.get_executor(), clock.SteadyNow() + std::chrono::seconds(30)};
            plan = co_await action->Plan(ctx, {});
            // Someone scales the Deployment by hand between the plan and its execution.
            auto run = RunKubectl(kube.WriteKubeconfig(dir.path()),
                                  {"scale", "deployment/ecommerce-backend", "-n", "production", "--replicas=4"});
            REQUIRE(run.exit_code == 0);
            kube.ClearRequests();
            before_execute = CanonicalJsonText(kube.Snapshot());
            outcome = co_await action->Execute(ctx, plan);
          },
          boost::asio::detached);
      io.run();
      REQUIRE(plan.runnable());
      INFO(outcome.detail);
      CHECK_FALSE(outcome.ok);
      CHECK(outcome.reason == OutcomeReason::kConflict);
      CHECK_FALSE(outcome.retryable);
      CHECK(outcome.detail.find("changed since the plan") != std::string::npos);
      for (const auto& r : kube.ApiRequests()) CHECK(r.method == "GET");
      CHECK(CanonicalJsonText(kube.Snapshot()) == before_execute);
    }
  }
}
