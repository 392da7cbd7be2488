// eks_nodegroup_scale: the plan from DescribeNodegroup (merge, bounds, no-op, refusals), the
// idempotency token, Execute bound to the planned sizes, UpdateNodegroupConfig and the wait for
// the update, error codes, and config errors; against the scripted aws::Api.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <regex>

#include "remediations/eks_nodegroup_scale/eks_nodegroup_scale_action.hpp"
#include "remediations/eks_nodegroup_scale/nodegroup_plan.hpp"
#include "tests/unit/aws_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::awstest;
using namespace runbookd::remediations::eks_nodegroup_scale;
using aws::ApiErrorKind;
using Catch::Contains;
namespace json = boost::json;

namespace {

const std::string kSpec = "cluster: prod\nnodegroup: workers\n";
const std::string kNodegroupPath = "/clusters/prod/node-groups/workers";
const std::string kUpdateConfigPath = "/clusters/prod/node-groups/workers/update-config";
const std::string kUpdateId = "5c2e9f4a-7d1b-3c8e-9a6f-0b4d2e1c7a53";
const std::string kUpdatePath = "/clusters/prod/updates/" + kUpdateId + "?nodegroupName=workers";

std::string NodegroupJson(int64_t min, int64_t desired, int64_t max, const std::string& status = "ACTIVE",
                          const std::string& modified_at = "1700000100.5") {
  return R"({"nodegroup": {"nodegroupName": "workers", "clusterName": "prod", "version": "1.29",
    "nodegroupArn": "arn:aws:eks:eu-west-1:111122223333:nodegroup/prod/workers/1ac5e3f0",
    "createdAt": 1700000000.0, "modifiedAt": )" +
         modified_at + R"(, "status": ")" + status + R"(", "capacityType": "ON_DEMAND",
    "scalingConfig": {"minSize": )" +
         std::to_string(min) + R"(, "maxSize": )" + std::to_string(max) + R"(, "desiredSize": )" +
         std::to_string(desired) + R"(}, "instanceTypes": ["m6i.large"], "health": {"issues": []}}})";
}

std::string UpdateJson(const std::string& status, const std::string& errors = "[]") {
  return R"({"update": {"id": ")" + kUpdateId + R"(", "status": ")" + status +
         R"(", "type": "ConfigUpdate", "params": [{"type": "DesiredSize", "value": "6"}],
    "createdAt": 1700000200.0, "errors": )" +
         errors + "}}";
}

std::unique_ptr<Action> Build(ScriptedDeps& s, const std::string& spec) {
  return BuildAction(MakeActionFactory(1ms), spec, s.deps);
}

ActionPlan PlanWith(ScriptedDeps& s, const std::string& nodegroup, const std::string& spec,
                    const ActionParams& params = {}) {
  s.api->AnswerJson("GET", kNodegroupPath, JsonOk(nodegroup));
  return RunPlan(*Build(s, spec), s.In(30s), params);
}

// A plan made on its own scripted API, so that the next answers scripted are all Execute's.
ActionPlan PlanOf(const std::string& nodegroup, const std::string& spec) {
  ScriptedDeps planner;
  return PlanWith(planner, nodegroup, spec);
}

std::string TokenOf(const ActionPlan& plan) {
  return std::string(plan.details.at("body").at("clientRequestToken").as_string());
}

}  // namespace

TEST_CASE("eks_nodegroup_scale plan: desired size within the current bounds", "[eks_nodegroup_scale]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanWith(s, NodegroupJson(1, 3, 10), kSpec + "desired_size: 6\n");
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "eks_nodegroup_scale");
  CHECK(plan.target == "eu-west-1/eks/prod/nodegroup/workers");
  CHECK(plan.summary == "scale EKS nodegroup prod/workers: desired 3 → 6 (min 1, max 10)");
  REQUIRE(plan.observed.size() == 1);
  CHECK(plan.observed[0] == json::parse(R"({"kind": "Nodegroup", "name": "prod/workers", "status": "ACTIVE",
      "modifiedAt": 1700000100.5, "scalingConfig": {"minSize": 1, "maxSize": 10, "desiredSize": 3}})"));
  const std::string token = TokenOf(plan);
  CHECK(std::regex_match(token, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(plan.details.at("body") == json::parse(R"({"scalingConfig": {"minSize": 1, "maxSize": 10, "desiredSize": 6},
      "clientRequestToken": ")" + token + R"("})"));
  CHECK(plan.steps ==
        std::vector<std::string>{
            "GET /clusters/prod/node-groups/workers (unchanged since the plan?)",
            "POST /clusters/prod/node-groups/workers/update-config " + json::serialize(plan.details.at("body")),
            "poll GET /clusters/prod/updates/{id}?nodegroupName=workers until the update is Successful"});
  REQUIRE(s.api->calls().size() == 1);
  CHECK(s.api->calls()[0].service == aws::AwsService::kEks);
  CHECK(s.api->calls()[0].action == "GET " + kNodegroupPath);
}

TEST_CASE("eks_nodegroup_scale plan: sizes merge with the current ones and must stay in bounds",
          "[eks_nodegroup_scale]") {
  ScriptedDeps both;
  const ActionPlan raised = PlanWith(both, NodegroupJson(1, 3, 5), kSpec + "desired_size: 8\nmax_size: 12\n");
  CHECK(raised.summary == "scale EKS nodegroup prod/workers: desired 3 → 8 (min 1, max 5 → 12)");

  ScriptedDeps above;
  const ActionPlan too_many = PlanWith(above, NodegroupJson(1, 3, 10), kSpec + "desired_size: 12\n");
  CHECK(too_many.verdict == OutcomeReason::kInvalidParams);
  CHECK(too_many.summary ==
        "desired_size 12 is above max_size 10 (min 1, desired 12, max 10 after merging with the current min 1, "
        "desired 3, max 10)");

  ScriptedDeps crossed;
  const ActionPlan min_over_max = PlanWith(crossed, NodegroupJson(1, 3, 4), kSpec + "min_size: 5\n");
  CHECK(min_over_max.verdict == OutcomeReason::kInvalidParams);
  CHECK_THAT(min_over_max.summary, Contains("min_size 5 is above max_size 4"));

  ScriptedDeps below;
  const ActionPlan too_few = PlanWith(below, NodegroupJson(2, 3, 10), kSpec + "desired_size: 1\n");
  CHECK(too_few.verdict == OutcomeReason::kInvalidParams);
  CHECK_THAT(too_few.summary, Contains("desired_size 1 is below min_size 2"));
}

TEST_CASE("eks_nodegroup_scale plan: no-op, refusals and not found", "[eks_nodegroup_scale]") {
  ScriptedDeps same;
  const ActionPlan noop = PlanWith(same, NodegroupJson(1, 3, 10), kSpec + "desired_size: 3\nmin_size: 1\n");
  CHECK(noop.verdict == OutcomeReason::kNoop);
  CHECK(noop.summary == "EKS nodegroup prod/workers already at desired 3 (min 1, max 10)");

  ScriptedDeps busy;
  const ActionPlan updating = PlanWith(busy, NodegroupJson(1, 3, 10, "UPDATING"), kSpec + "desired_size: 6\n");
  CHECK(updating.verdict == OutcomeReason::kRefused);
  CHECK(updating.summary ==
        "EKS nodegroup prod/workers is UPDATING, not ACTIVE (an update may be in progress): refusing to scale it now");

  ScriptedDeps missing;
  missing.api->AnswerJson(
      "GET", kNodegroupPath,
      JsonError(ApiErrorKind::kNotFound, 404, "ResourceNotFoundException", "No node group found for name: workers."));
  const ActionPlan gone = RunPlan(*Build(missing, kSpec + "desired_size: 6\n"), missing.In(30s));
  CHECK(gone.verdict == OutcomeReason::kNotFound);
  CHECK(gone.summary == "eks DescribeNodegroup: 404 ResourceNotFoundException: No node group found for name: workers.");

  ScriptedDeps throttled;
  throttled.api->AnswerJson("GET", kNodegroupPath,
                            JsonError(ApiErrorKind::kThrottled, 429, "ThrottlingException", "Rate exceeded"));
  CHECK(RunPlan(*Build(throttled, kSpec + "desired_size: 6\n"), throttled.In(30s)).verdict ==
        OutcomeReason::kUnavailable);
}

TEST_CASE("eks_nodegroup_scale plan: params and the token", "[eks_nodegroup_scale]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanWith(s, NodegroupJson(1, 3, 10), kSpec + "desired_size: 6\n", {{"desired_size", "4"}});
  CHECK(plan.summary == "scale EKS nodegroup prod/workers: desired 3 → 4 (min 1, max 10)");
  ScriptedDeps bad;
  auto action = Build(bad, kSpec + "desired_size: 6\n");
  CHECK(RunPlan(*action, bad.In(30s), {{"replicas", "4"}}).summary ==
        R"(unknown param "replicas" (eks_nodegroup_scale accepts: min_size, max_size, desired_size))");
  CHECK(RunPlan(*action, bad.In(30s), {{"desired_size", "-1"}}).verdict == OutcomeReason::kInvalidParams);
  CHECK(RunPlan(*action, bad.In(30s), {{"min_size", "5"}, {"max_size", "2"}}).summary ==
        "params: min_size 5 is above max_size 2");
  CHECK(bad.api->calls().empty());

  // The same plan of the same state gives the same token; another observed state another one.
  const std::string spec = kSpec + "desired_size: 6\n";
  CHECK(TokenOf(PlanOf(NodegroupJson(1, 3, 10), spec)) == TokenOf(PlanOf(NodegroupJson(1, 3, 10), spec)));
  CHECK(TokenOf(PlanOf(NodegroupJson(1, 3, 10), spec)) !=
        TokenOf(PlanOf(NodegroupJson(1, 3, 10, "ACTIVE", "1700000999.0"), spec)));
  CHECK(TokenOf(PlanOf(NodegroupJson(1, 3, 10), spec)) !=
        TokenOf(PlanOf(NodegroupJson(1, 3, 10), kSpec + "desired_size: 7\n")));
}

TEST_CASE("eks_nodegroup_scale execute: a change since the plan is a conflict without an update",
          "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);

  ScriptedDeps resized;
  resized.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 4, 10)));
  const Outcome sizes = RunExecute(*Build(resized, spec), plan, resized.In(30min));
  CHECK(sizes.reason == OutcomeReason::kConflict);
  CHECK_FALSE(sizes.retryable);
  CHECK(sizes.detail ==
        "EKS nodegroup prod/workers changed since the plan (desired 3 → 4 (min 1, max 10)); plan again");
  CHECK(resized.api->CallsOf("POST " + kUpdateConfigPath).empty());

  ScriptedDeps touched;
  touched.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10, "ACTIVE", "1700000999.0")));
  const Outcome modified = RunExecute(*Build(touched, spec), plan, touched.In(30min));
  CHECK(modified.reason == OutcomeReason::kConflict);
  CHECK_THAT(modified.detail, Contains("modifiedAt"));
  CHECK(touched.api->CallsOf("POST " + kUpdateConfigPath).empty());

  ScriptedDeps degraded;
  degraded.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10, "DEGRADED")));
  CHECK(RunExecute(*Build(degraded, spec), plan, degraded.In(30min)).detail ==
        "EKS nodegroup prod/workers changed since the plan (status ACTIVE → DEGRADED); plan again");
}

TEST_CASE("eks_nodegroup_scale execute: update-config, then the update to Successful", "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);
  ScriptedDeps s;
  s.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10)));
  s.api->AnswerJson("POST", kUpdateConfigPath, JsonOk(UpdateJson("InProgress")));
  s.api->AnswerJson("GET", kUpdatePath, JsonOk(UpdateJson("InProgress")));
  s.api->AnswerJson("GET", kUpdatePath, JsonOk(UpdateJson("Successful")));
  const Outcome outcome = RunExecute(*Build(s, spec), plan, s.In(30min));
  INFO(outcome.detail);
  REQUIRE(outcome.ok);
  CHECK(outcome.detail ==
        "EKS nodegroup prod/workers scaled: desired 3 → 6 (min 1, max 10) (update " + kUpdateId + " Successful)");
  CHECK(outcome.data.at("update_id") == json::value(kUpdateId));
  const auto posts = s.api->CallsOf("POST " + kUpdateConfigPath);
  REQUIRE(posts.size() == 1);
  REQUIRE(posts[0].body.has_value());
  CHECK(*posts[0].body == plan.details.at("body"));
  CHECK(s.api->CallsOf("GET " + kUpdatePath).size() == 2);
}

TEST_CASE("eks_nodegroup_scale execute: a failed update is verify_failed with its errors", "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);
  ScriptedDeps s;
  s.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10)));
  s.api->AnswerJson("POST", kUpdateConfigPath, JsonOk(UpdateJson("InProgress")));
  s.api->AnswerJson("GET", kUpdatePath, JsonOk(UpdateJson("Failed", R"([{"errorCode": "AsgInstanceLaunchFailures",
          "errorMessage": "Could not launch On-Demand Instances.", "resourceIds": ["eks-workers-1ac5e3f0"]}])")));
  const Outcome outcome = RunExecute(*Build(s, spec), plan, s.In(30min));
  CHECK(outcome.reason == OutcomeReason::kVerifyFailed);
  CHECK(outcome.detail ==
        "update " + kUpdateId + " Failed: AsgInstanceLaunchFailures: Could not launch On-Demand Instances.");
}

TEST_CASE("eks_nodegroup_scale execute: the wait ends at the run's deadline, retryable", "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);
  ScriptedDeps s(1min);
  s.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10)));
  s.api->AnswerJson("POST", kUpdateConfigPath, JsonOk(UpdateJson("InProgress")));
  s.api->AnswerJson("GET", kUpdatePath, JsonOk(UpdateJson("InProgress")));
  const Outcome outcome = RunExecute(*Build(s, spec), plan, s.In(10min));
  CHECK(outcome.reason == OutcomeReason::kTimeout);
  CHECK(outcome.retryable);
  CHECK(outcome.detail == "update " + kUpdateId + " still InProgress at the run's deadline");
  CHECK(s.api->CallsOf("GET " + kUpdatePath).size() < 12);
}

TEST_CASE("eks_nodegroup_scale execute: a repeat of the same plan sends the same token", "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);
  // While the first attempt's update runs EKS shows the nodegroup UPDATING; once done, at the target.
  for (const std::string& now : {NodegroupJson(1, 3, 10, "UPDATING", "1700000300.0"), NodegroupJson(1, 6, 10)}) {
    ScriptedDeps s;
    s.api->AnswerJson("GET", kNodegroupPath, JsonOk(now));
    s.api->AnswerJson("POST", kUpdateConfigPath, JsonOk(UpdateJson("Successful")));
    const Outcome outcome = RunExecute(*Build(s, spec), plan, s.In(30min));
    INFO(outcome.detail);
    CHECK(outcome.ok);
    const auto posts = s.api->CallsOf("POST " + kUpdateConfigPath);
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].body->at("clientRequestToken") == json::value(TokenOf(plan)));
  }
}

TEST_CASE("eks_nodegroup_scale execute: update-config errors by code", "[eks_nodegroup_scale]") {
  const std::string spec = kSpec + "desired_size: 6\n";
  const ActionPlan plan = PlanOf(NodegroupJson(1, 3, 10), spec);
  struct Case {
    aws::JsonReply reply;
    OutcomeReason reason;
    bool retryable;
  };
  const Case cases[] = {
      {JsonError(ApiErrorKind::kInvalid, 409, "ResourceInUseException", "update in progress"), OutcomeReason::kConflict,
       false},
      {JsonError(ApiErrorKind::kNotFound, 404, "ResourceNotFoundException", "no nodegroup"), OutcomeReason::kNotFound,
       false},
      {JsonError(ApiErrorKind::kInvalid, 400, "InvalidParameterException", "desiredSize too large"),
       OutcomeReason::kInvalidParams, false},
      {JsonError(ApiErrorKind::kInvalid, 400, "ClientException", "nope"), OutcomeReason::kApiError, false},
      {JsonError(ApiErrorKind::kThrottled, 429, "ThrottlingException", "slow down"), OutcomeReason::kUnavailable, true},
      {JsonError(ApiErrorKind::kTransport, 0, "", "connection reset"), OutcomeReason::kUnavailable, true},
      {JsonError(ApiErrorKind::kAuth, 403, "AccessDeniedException", "denied"), OutcomeReason::kUnauthorized, false},
      {JsonError(ApiErrorKind::kTimeout, 0, "", ""), OutcomeReason::kTimeout, true},
      {JsonError(ApiErrorKind::kBadResponse, 200, "", "not JSON"), OutcomeReason::kApiError, false},
  };
  for (const auto& c : cases) {
    ScriptedDeps s;
    s.api->AnswerJson("GET", kNodegroupPath, JsonOk(NodegroupJson(1, 3, 10)));
    s.api->AnswerJson("POST", kUpdateConfigPath, c.reply);
    const Outcome outcome = RunExecute(*Build(s, spec), plan, s.In(30min));
    INFO(outcome.detail);
    CHECK(outcome.reason == c.reason);
    CHECK(outcome.retryable == c.retryable);
    CHECK_THAT(outcome.detail, Contains("eks UpdateNodegroupConfig: "));
  }
}

TEST_CASE("eks_nodegroup_scale config: names, sizes and the connection", "[eks_nodegroup_scale]") {
  ScriptedDeps s;
  const auto errors = [&](const std::string& yaml) { return ConfigErrors(MakeActionFactory(), yaml, s.deps); };
  CHECK(errors(kSpec + "desired_size: 6\n").empty());
  CHECK(errors(kSpec + "min_size: 0\nmax_size: 20\ndesired_size: 0\n").empty());
  CHECK(errors(kSpec) == "spec.yaml:2:3: spec: give at least one of min_size, max_size, desired_size\n");
  CHECK(errors(kSpec + "min_size: 5\nmax_size: 2\n") == "spec.yaml:2:3: spec: min_size 5 is above max_size 2\n");
  CHECK(errors(kSpec + "desired_size: 9\nmax_size: 5\n") ==
        "spec.yaml:2:3: spec: desired_size 9 is above max_size 5\n");
  CHECK(errors(kSpec + "max_size: 0\n") == "spec.yaml:2:3: spec: max_size must be at least 1\n");
  CHECK_THAT(errors(kSpec + "desired_size: -1\n"), Contains("desired_size"));
  CHECK(
      errors("cluster: prod\nnodegroup: work/ers\ndesired_size: 3\n") ==
      "spec.yaml:3:14: spec.nodegroup: not a valid EKS nodegroup name: \"work/ers\" (a letter or digit, then letters, "
      "digits, '-' and '_', at most 63)\n");
  CHECK(errors("nodegroup: workers\ndesired_size: 3\n") == "spec.yaml:2:3: spec: missing required key \"cluster\"\n");
  CHECK_THAT(errors(kSpec + "desired: 3\n"), Contains("desired"));
  CHECK(errors("[1]\n") ==
        "spec.yaml:2:3: spec: action type eks_nodegroup_scale needs a spec with at least \"cluster\", \"nodegroup\" "
        "and one "
        "of min_size, max_size, desired_size\n");
  CHECK(ConfigErrors(MakeActionFactory(), kSpec + "desired_size: 6\n", ActionDeps{}) ==
        "spec.yaml:2:3: spec: action type eks_nodegroup_scale needs a connection of type aws (set connection: NAME)\n");
  CHECK(Build(s, kSpec + "desired_size: 6\n")->risk() == ActionRisk::kReversible);
}
