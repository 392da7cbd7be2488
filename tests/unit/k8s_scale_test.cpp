// k8s_scale: the target count (absolute, factor, bounds), kubectl's scale-subresource merge patch
// (protocol-facts §1.4), refusals and config errors.
#include <catch2/catch.hpp>

#include "remediations/k8s_scale/k8s_scale_action.hpp"
#include "remediations/k8s_scale/scale_plan.hpp"
#include "tests/unit/k8s_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::k8stest;
using namespace runbookd::remediations::k8s_scale;
using Catch::Contains;
using runbookd::remediations::k8s_common::DeploymentRef;

namespace {

const DeploymentRef kRef{"production", "ecommerce-backend"};
const std::string kDeploymentPath = "/apis/apps/v1/namespaces/production/deployments/ecommerce-backend";
const std::string kSpec = "namespace: production\ndeployment: ecommerce-backend\n";

ScaleRule Absolute(int64_t n) { return ScaleRule{.replicas = n}; }
ScaleRule Factor(double f, std::optional<int64_t> min = {}, std::optional<int64_t> max = {}) {
  return ScaleRule{.factor = f, .min = min, .max = max};
}

json::value WithReplicas(int64_t n) {
  json::value d = Deployment();
  Set(d, {"spec", "replicas"}, n);
  return d;
}

}  // namespace

TEST_CASE("scale: an absolute count", "[k8s_scale]") {
  const ActionPlan plan = PlanScale(kRef, Absolute(6), Deployment());
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "k8s_scale");
  CHECK(plan.target == "production/deployment/ecommerce-backend");
  CHECK(plan.summary == "scale production/ecommerce-backend from 3 to 6 replicas");
  CHECK(plan.steps == std::vector<std::string>{"GET " + kDeploymentPath + " (unchanged since the plan?)",
                                               "PATCH " + kDeploymentPath + "/scale (application/merge-patch+json)"});
  CHECK(plan.details.at("patch") == R"({"spec":{"replicas":6}})");
  CHECK(plan.details.at("from") == 3);
  CHECK(plan.details.at("to") == 6);
  CHECK(plan.observed.size() == 1);
}

TEST_CASE("scale: a factor rounds up and is clamped to min and max", "[k8s_scale]") {
  CHECK(TargetReplicas(Factor(2), 3) == 6);
  CHECK(TargetReplicas(Factor(1.5), 3) == 5);    // ceil(4.5)
  CHECK(TargetReplicas(Factor(1.1), 10) == 11);  // not 12: 10 × 1.1 is 11.000000000000002 in binary
  CHECK(TargetReplicas(Factor(0.5), 5) == 3);    // ceil(2.5)
  CHECK(TargetReplicas(Factor(0.1), 3) == 1);
  CHECK(TargetReplicas(Factor(2), 0) == 0);
  CHECK(TargetReplicas(Factor(2, std::nullopt, 10), 8) == 10);
  CHECK(TargetReplicas(Factor(0.5, 2), 2) == 2);
  CHECK(TargetReplicas(Factor(2, 2), 0) == 2);
  std::string how;
  CHECK(TargetReplicas(Factor(3, 1, 10), 4, &how) == 10);
  CHECK(how == "factor 3, lowered to max 10");

  const ActionPlan plan = PlanScale(kRef, Factor(2, 1, 5), Deployment());
  CHECK(plan.summary == "scale production/ecommerce-backend from 3 to 5 replicas (factor 2, lowered to max 5)");
}

TEST_CASE("scale: zero is refused without allow_zero", "[k8s_scale]") {
  const ActionPlan plan = PlanScale(kRef, Factor(0.5), WithReplicas(0));
  CHECK(plan.verdict == OutcomeReason::kRefused);
  CHECK(plan.summary == "refusing to scale production/ecommerce-backend to 0 replicas (set allow_zero: true)");
  ScaleRule zero = Absolute(0);
  CHECK(PlanScale(kRef, zero, Deployment()).verdict == OutcomeReason::kRefused);
  zero.allow_zero = true;
  const ActionPlan allowed = PlanScale(kRef, zero, Deployment());
  CHECK(allowed.verdict == OutcomeReason::kOk);
  CHECK(allowed.details.at("patch") == R"({"spec":{"replicas":0}})");
}

TEST_CASE("scale: already at the target is a no-op, and an absent spec.replicas is 1", "[k8s_scale]") {
  const ActionPlan same = PlanScale(kRef, Absolute(3), Deployment());
  CHECK(same.verdict == OutcomeReason::kNoop);
  CHECK(same.summary == "already at 3 replicas");
  CHECK(PlanScale(kRef, Factor(1.0), Deployment()).verdict == OutcomeReason::kNoop);
  json::value defaulted = Deployment();
  Erase(defaulted, {"spec", "replicas"});
  CHECK(PlanScale(kRef, Absolute(1), defaulted).summary == "already at 1 replicas");
  CHECK(PlanScale(kRef, Factor(3), defaulted).summary ==
        "scale production/ecommerce-backend from 1 to 3 replicas "
        "(factor 3)");
}

TEST_CASE("scale: rule errors", "[k8s_scale]") {
  CHECK(RuleError(Absolute(2)) == std::nullopt);
  CHECK(RuleError(Factor(1.5, 1, 4)) == std::nullopt);
  ScaleRule both = Absolute(2);
  both.factor = 2;
  CHECK(RuleError(both) == "give either replicas (absolute) or factor (relative), not both");
  CHECK(RuleError(ScaleRule{}) == "give replicas (absolute) or factor (relative)");
  CHECK(RuleError(Factor(0)) == "factor must be a number greater than 0, got 0");
  CHECK(RuleError(Factor(-1)) == "factor must be a number greater than 0, got -1");
  CHECK(RuleError(Factor(2, 5, 3)) == "min (5) is greater than max (3)");
  CHECK(RuleError(Absolute(-1)) == "replicas must be between 0 and 2147483647, got -1");
  CHECK(RuleError(Factor(2, -1)) == "min must be between 0 and 2147483647, got -1");
  ScaleRule above = Absolute(12);
  above.max = 10;
  CHECK(RuleError(above) == "replicas 12 is above max 10");
  CHECK(RuleError(Absolute(0)) == "replicas 0 needs allow_zero: true");
}

TEST_CASE("scale: params override the spec's count", "[k8s_scale]") {
  const RuleOrError absolute = ApplyParams(Factor(2, 1, 10), {{"replicas", "4"}});
  REQUIRE(absolute.error.empty());
  CHECK(absolute.rule.replicas == 4);
  CHECK_FALSE(absolute.rule.factor.has_value());
  CHECK(ApplyParams(Factor(2), {{"replicas", "four"}}).error == "param replicas: expected an integer, got \"four\"");
  CHECK(ApplyParams(Factor(2, 1, 10), {{"replicas", "11"}}).error == "param replicas 11 is above max 10");
  CHECK(ApplyParams(Factor(2), {{"replicas", "-3"}}).error ==
        "param replicas must be between 0 and 2147483647, got -3");
  CHECK(ApplyParams(Factor(2), {{"factor", "3"}}).error == "unknown param \"factor\" (k8s_scale accepts: replicas)");
  // Zero passes the params check; the plan refuses it with its own message.
  CHECK(ApplyParams(Factor(2), {{"replicas", "0"}}).error.empty());
}

TEST_CASE("scale action: Plan, Execute and its patch", "[k8s_scale]") {
  auto kube = std::make_shared<FakeKube>();
  kube->On("GET", kDeploymentPath, Ok(Deployment()));
  kube->On("PATCH", kDeploymentPath + "/scale",
           Ok(Json(R"({"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"ecommerce-backend",)"
                   R"("namespace":"production","resourceVersion":"1300"},"spec":{"replicas":6},)"
                   R"("status":{"replicas":3,"selector":"app=ecommerce-backend"}})")));
  auto action = BuildAction(MakeActionFactory(), kSpec + "factor: 2\nmax: 8\n", DepsWith(kube));
  CHECK(action->risk() == ActionRisk::kReversible);
  const ActionPlan plan = RunPlan(*action);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  kube->requests.clear();
  const Outcome outcome = RunExecute(*action, plan);
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(outcome.data == json::object{{"from", 3}, {"to", 6}});
  REQUIRE(kube->requests.size() == 2);
  CHECK(kube->requests[1].method == "PATCH");
  CHECK(kube->requests[1].path == kDeploymentPath + "/scale");
  CHECK(kube->requests[1].patch_type == k8s::PatchType::kMerge);
  CHECK(kube->requests[1].body == R"({"spec":{"replicas":6}})");

  SECTION("a param replaces the factor") {
    const ActionPlan four = RunPlan(*action, {{"replicas", "4"}});
    CHECK(four.summary == "scale production/ecommerce-backend from 3 to 4 replicas");
    const ActionPlan zero = RunPlan(*action, {{"replicas", "0"}});
    CHECK(zero.verdict == OutcomeReason::kRefused);
    const ActionPlan too_many = RunPlan(*action, {{"replicas", "9"}});
    CHECK(too_many.verdict == OutcomeReason::kInvalidParams);
    CHECK(too_many.summary == "param replicas 9 is above max 8");
  }
  SECTION("a changed Deployment is a conflict") {
    auto later = std::make_shared<FakeKube>();
    json::value changed = WithReplicas(5);
    Set(changed, {"metadata", "resourceVersion"}, "1250");  // someone scaled it meanwhile
    later->On("GET", kDeploymentPath, Ok(changed));
    const Outcome conflict =
        RunExecute(*BuildAction(MakeActionFactory(), kSpec + "factor: 2\n", DepsWith(later)), plan);
    CHECK(conflict.reason == OutcomeReason::kConflict);
    CHECK(later->Writes().empty());
  }
}

TEST_CASE("scale action: config errors", "[k8s_scale]") {
  auto kube = std::make_shared<FakeKube>();
  const auto errors = [&](const std::string& extra) {
    return ConfigErrors(MakeActionFactory(), kSpec + extra, DepsWith(kube));
  };
  CHECK(errors("replicas: 4\n").empty());
  CHECK(errors("factor: 1.5\nmin: 2\nmax: 10\n").empty());
  CHECK(errors("replicas: 0\nallow_zero: true\n").empty());
  CHECK_THAT(errors("replicas: 4\nfactor: 2\n"),
             Contains("give either replicas (absolute) or factor (relative), not both"));
  CHECK_THAT(errors(""), Contains("give replicas (absolute) or factor (relative)"));
  CHECK_THAT(errors("factor: 2\nmin: 5\nmax: 3\n"), Contains("min (5) is greater than max (3)"));
  CHECK_THAT(errors("replicas: -2\n"), Contains("replicas: must be between 0 and 2147483647, got -2"));
  CHECK_THAT(errors("factor: 2\nmax: -1\n"), Contains("max: must be between 0 and"));
  CHECK_THAT(errors("factor: 0\n"), Contains("factor: factor must be a number greater than 0"));
  CHECK_THAT(errors("factor: -0.5\n"), Contains("factor must be a number greater than 0"));
  CHECK_THAT(errors("factor: lots\n"), Contains("expected a number"));
  CHECK_THAT(errors("replicas: 0\n"), Contains("replicas 0 needs allow_zero: true"));
  CHECK_THAT(errors("replicas: 20\nmax: 10\n"), Contains("replicas 20 is above max 10"));
  CHECK_THAT(ConfigErrors(MakeActionFactory(), kSpec + "replicas: 2\n", ActionDeps{}),
             Contains("action type k8s_scale needs a connection of type kubernetes (set connection: NAME)"));
}
