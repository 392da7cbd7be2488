// rds_failover and eks_nodegroup_scale through the real AWS client against the fake AWS endpoint
// (every request's signature checked with botocore): the fake's state after Execute, how many
// writes it received, and the idempotency token of a repeated Execute.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "daemon/clients/aws/aws_api.hpp"
#include "remediations/eks_nodegroup_scale/eks_nodegroup_scale_action.hpp"
#include "remediations/rds_failover/rds_failover_action.hpp"
#include "tests/integration/aws_test_support.hpp"
#include "tests/support/fake_aws.hpp"
#include "tests/unit/aws_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::awstest;
using runbookd::testing::FakeAws;
namespace json = boost::json;
namespace rds = runbookd::remediations::rds_failover;
namespace eks = runbookd::remediations::eks_nodegroup_scale;

namespace {

// The real client pointed at the fake, signing as its known identity, with fast retries.
struct RealClient {
  explicit RealClient(const FakeAws& fake) {
    aws::AwsConnectionSettings settings;
    settings.name = "fake";
    settings.region = FakeAws::kRegion;
    settings.endpoints = {fake.Url(), fake.Url(), fake.Url(), fake.Url()};
    aws::RetryPolicy fast;
    fast.base_delay = 1ms;
    fast.max_delay = 5ms;
    api = aws::MakeApi(std::move(settings), fake.Environment(), clock, log.logger, fast);
    deps.aws = api;
    deps.clock = &clock;
    deps.connection = "fake";
  }
  SteadyTime In(std::chrono::milliseconds d) const { return clock.SteadyNow() + d; }

  SystemClock clock;
  aws_test::LogCapture log;
  std::shared_ptr<aws::Api> api;
  ActionDeps deps;
};

std::string Str(const json::value& v) { return std::string(v.as_string()); }

std::string WriterOf(const json::object& state, const std::string& cluster) {
  for (const auto& m : state.at("db_clusters").at(cluster).at("members").as_array()) {
    if (m.at("writer").as_bool()) return Str(m.at("id"));
  }
  return {};
}

const char* kClusterState = R"({"db_clusters": {"orders-db": {"status": "available", "engine": "aurora-postgresql",
    "members": [{"id": "orders-db-1", "writer": true}, {"id": "orders-db-2", "writer": false}],
    "failover_describes": 2}}})";

}  // namespace

TEST_CASE("aws actions: rds_failover plans, fails over once and sees the new writer") {
  auto fake = FakeAws::Start();
  fake->SetState(json::parse(kClusterState).as_object());
  RealClient client(*fake);
  const std::string spec = "db_cluster_identifier: orders-db\ntarget_db_instance_identifier: orders-db-2\n";
  auto action = BuildAction(rds::MakeActionFactory(10ms), spec, client.deps);

  const ActionPlan plan = RunPlan(*action, client.In(30s));
  INFO(plan.summary << "\n" << client.log.text() << fake->Log());
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.summary == "fail over Aurora cluster orders-db: writer orders-db-1 → orders-db-2");
  CHECK(fake->Requests("FailoverDBCluster").empty());

  const Outcome outcome = RunExecute(*action, plan, client.In(60s));
  INFO(outcome.detail);
  REQUIRE(outcome.ok);
  CHECK(outcome.data == json::object{{"old_writer", "orders-db-1"}, {"new_writer", "orders-db-2"}});
  CHECK(WriterOf(fake->State(), "orders-db") == "orders-db-2");
  const json::array failovers = fake->Requests("FailoverDBCluster");
  REQUIRE(failovers.size() == 1);
  CHECK(Str(failovers[0].at("signature")) == "valid");
  CHECK(Str(failovers[0].at("params").at("DBClusterIdentifier")) == "orders-db");
  CHECK(Str(failovers[0].at("params").at("TargetDBInstanceIdentifier")) == "orders-db-2");
  for (const auto& r : fake->Requests()) CHECK(Str(r.at("signature")) == "valid");
}

TEST_CASE("aws actions: a failover plan made before another failover is a conflict") {
  auto fake = FakeAws::Start();
  fake->SetState(json::parse(kClusterState).as_object());
  RealClient client(*fake);
  auto action = BuildAction(rds::MakeActionFactory(10ms), "db_cluster_identifier: orders-db\n", client.deps);
  const ActionPlan stale = RunPlan(*action, client.In(30s));
  const ActionPlan first = RunPlan(*action, client.In(30s));
  REQUIRE(stale.verdict == OutcomeReason::kOk);
  REQUIRE(first.verdict == OutcomeReason::kOk);
  const Outcome done = RunExecute(*action, first, client.In(60s));
  INFO(done.detail << "\n" << client.log.text() << fake->Log());
  REQUIRE(done.ok);

  const Outcome again = RunExecute(*action, stale, client.In(60s));
  CHECK(again.reason == OutcomeReason::kConflict);
  CHECK(again.detail == "writer changed since the plan (orders-db-1 → orders-db-2); plan again");
  CHECK(fake->Requests("FailoverDBCluster").size() == 1);
  CHECK(WriterOf(fake->State(), "orders-db") == "orders-db-2");
}

TEST_CASE("aws actions: eks_nodegroup_scale updates the nodegroup to Successful") {
  auto fake = FakeAws::Start();
  fake->SetState(json::parse(R"({"nodegroups": {"prod/workers": {"min": 1, "max": 10, "desired": 3,
      "status": "ACTIVE", "update_polls": 2}}})")
                     .as_object());
  RealClient client(*fake);
  auto action =
      BuildAction(eks::MakeActionFactory(10ms), "cluster: prod\nnodegroup: workers\ndesired_size: 6\n", client.deps);
  const ActionPlan plan = RunPlan(*action, client.In(30s));
  INFO(plan.summary << "\n" << client.log.text() << fake->Log());
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.summary == "scale EKS nodegroup prod/workers: desired 3 → 6 (min 1, max 10)");

  const Outcome outcome = RunExecute(*action, plan, client.In(60s));
  INFO(outcome.detail);
  REQUIRE(outcome.ok);
  const json::object group = fake->State().at("nodegroups").at("prod/workers").as_object();
  CHECK(group.at("desired").to_number<int64_t>() == 6);
  CHECK(Str(group.at("status")) == "ACTIVE");
  const json::object& updates = group.at("updates").as_object();
  REQUIRE(updates.size() == 1);
  CHECK(Str(updates.begin()->value().at("status")) == "Successful");
  CHECK(outcome.data.at("update_id") == json::value(updates.begin()->key()));
  const json::array posts = fake->Requests("UpdateNodegroupConfig");
  REQUIRE(posts.size() == 1);
  CHECK(Str(posts[0].at("signature")) == "valid");
  CHECK(posts[0].at("json") == plan.details.at("body"));
}

TEST_CASE("aws actions: a repeated Execute of one nodegroup plan sends the same clientRequestToken") {
  auto fake = FakeAws::Start();
  // The update stays InProgress until the test lets it end.
  fake->SetState(json::parse(R"({"nodegroups": {"prod/workers": {"min": 1, "max": 10, "desired": 3,
      "status": "ACTIVE", "update_polls": 100000}}})")
                     .as_object());
  RealClient client(*fake);
  auto action =
      BuildAction(eks::MakeActionFactory(50ms), "cluster: prod\nnodegroup: workers\ndesired_size: 6\n", client.deps);
  const ActionPlan plan = RunPlan(*action, client.In(30s));
  REQUIRE(plan.verdict == OutcomeReason::kOk);

  const Outcome first = RunExecute(*action, plan, client.In(3s));
  INFO(first.detail << "\n" << client.log.text() << fake->Log());
  REQUIRE(first.reason == OutcomeReason::kTimeout);
  CHECK(first.retryable);
  REQUIRE(fake->Requests("UpdateNodegroupConfig").size() == 1);

  json::object state = fake->State();
  for (auto& update : state.at("nodegroups").at("prod/workers").at("updates").as_object()) {
    update.value().as_object()["polls_left"] = 0;
  }
  fake->SetState(state);
  const Outcome second = RunExecute(*action, plan, client.In(60s));
  INFO(second.detail);
  REQUIRE(second.ok);

  const json::array posts = fake->Requests("UpdateNodegroupConfig");
  REQUIRE(posts.size() == 2);
  const json::value token = plan.details.at("body").at("clientRequestToken");
  CHECK(posts[0].at("json").at("clientRequestToken") == token);
  CHECK(posts[1].at("json").at("clientRequestToken") == token);
  const json::object group = fake->State().at("nodegroups").at("prod/workers").as_object();
  CHECK(group.at("updates").as_object().size() == 1);
  CHECK(group.at("desired").to_number<int64_t>() == 6);
}
