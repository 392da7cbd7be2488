// rds_failover: the plan from DescribeDBClusters (refusals, targets), Execute bound to the planned
// writer, FailoverDBCluster sent exactly once whatever it answers, the wait for the new writer,
// and config errors; against the scripted aws::Api.
#include <catch2/catch.hpp>

#include "remediations/rds_failover/db_cluster.hpp"
#include "remediations/rds_failover/rds_failover_action.hpp"
#include "tests/unit/aws_actions_harness.hpp"

using namespace runbookd;
using namespace runbookd::awstest;
using namespace runbookd::remediations::rds_failover;
using aws::ApiErrorKind;
using Catch::Contains;

namespace {

const std::string kSpec = "db_cluster_identifier: orders-db\n";

struct Member {
  std::string id;
  bool writer;
};

std::string ClusterXml(const std::string& status, const std::vector<Member>& members,
                       const std::string& engine = "aurora-postgresql") {
  std::string xml = R"(<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBClustersResult><DBClusters><DBCluster>
    <DBClusterIdentifier>orders-db</DBClusterIdentifier><Status>)" +
                    status + "</Status><Engine>" + engine + "</Engine><Port>5432</Port><DBClusterMembers>";
  for (const auto& m : members) {
    xml += "<DBClusterMember><DBInstanceIdentifier>" + m.id + "</DBInstanceIdentifier><IsClusterWriter>" +
           (m.writer ? "true" : "false") + "</IsClusterWriter><PromotionTier>1</PromotionTier></DBClusterMember>";
  }
  return xml + R"(</DBClusterMembers></DBCluster></DBClusters></DescribeDBClustersResult>
  <ResponseMetadata><RequestId>5e4b0c1d-0000-4000-8000-000000000001</RequestId></ResponseMetadata>
</DescribeDBClustersResponse>)";
}

// orders-db-1 writes, orders-db-2 (and -3) read.
std::string Writer1(const std::string& status = "available", bool third = false) {
  std::vector<Member> members{{"orders-db-1", true}, {"orders-db-2", false}};
  if (third) members.push_back({"orders-db-3", false});
  return ClusterXml(status, members);
}
std::string Writer2(const std::string& status = "available") {
  return ClusterXml(status, {{"orders-db-1", false}, {"orders-db-2", true}});
}

const std::string kFailoverXml = R"(<FailoverDBClusterResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <FailoverDBClusterResult><DBCluster><DBClusterIdentifier>orders-db</DBClusterIdentifier>
    <Status>available</Status></DBCluster></FailoverDBClusterResult>
  <ResponseMetadata><RequestId>5e4b0c1d-0000-4000-8000-000000000002</RequestId></ResponseMetadata>
</FailoverDBClusterResponse>)";

std::unique_ptr<Action> Build(ScriptedDeps& s, const std::string& spec = kSpec) {
  return BuildAction(MakeActionFactory(1ms), spec, s.deps);
}

ActionPlan PlanWith(ScriptedDeps& s, const std::string& describe, const std::string& spec = kSpec,
                    const ActionParams& params = {}) {
  s.api->AnswerXml("DescribeDBClusters", describe);
  auto action = Build(s, spec);
  return RunPlan(*action, s.In(30s), params);
}

// A plan made on its own scripted API, so that the next answers scripted are all Execute's.
ActionPlan PlanOf(const std::string& describe, const std::string& spec = kSpec) {
  ScriptedDeps planner;
  return PlanWith(planner, describe, spec);
}

}  // namespace

TEST_CASE("rds_failover plan: fail over to the named reader", "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanWith(s, Writer1(), kSpec + "target_db_instance_identifier: orders-db-2\n");
  INFO(plan.summary);
  REQUIRE(plan.verdict == OutcomeReason::kOk);
  CHECK(plan.type == "rds_failover");
  CHECK(plan.target == "eu-west-1/rds/cluster/orders-db");
  CHECK(plan.summary == "fail over Aurora cluster orders-db: writer orders-db-1 → orders-db-2");
  CHECK(plan.steps ==
        std::vector<std::string>{
            "POST rds DescribeDBClusters DBClusterIdentifier=orders-db (writer still orders-db-1?)",
            "POST rds FailoverDBCluster DBClusterIdentifier=orders-db TargetDBInstanceIdentifier=orders-db-2",
            "poll DescribeDBClusters until the writer changed and status is available"});
  REQUIRE(plan.observed.size() == 1);
  CHECK(plan.observed[0] == boost::json::parse(R"({"kind": "DBCluster", "name": "orders-db", "writer": "orders-db-1",
      "status": "available", "members": ["orders-db-1", "orders-db-2"]})"));
  CHECK(plan.details.at("old_writer") == "orders-db-1");
  CHECK(plan.details.at("target_db_instance_identifier") == "orders-db-2");
  // Plan reads only.
  REQUIRE(s.api->calls().size() == 1);
  CHECK(s.api->calls()[0].service == aws::AwsService::kRds);
  CHECK(s.api->calls()[0].action == "DescribeDBClusters");
  CHECK(s.api->calls()[0].Param("DBClusterIdentifier") == "orders-db");
}

TEST_CASE("rds_failover plan: without a target RDS picks the reader", "[rds_failover]") {
  ScriptedDeps one;
  const ActionPlan single = PlanWith(one, Writer1());
  CHECK(single.summary == "fail over Aurora cluster orders-db: writer orders-db-1 → orders-db-2");
  CHECK(single.steps[1] == "POST rds FailoverDBCluster DBClusterIdentifier=orders-db");

  ScriptedDeps two;
  const ActionPlan several = PlanWith(two, Writer1("available", true));
  CHECK(several.verdict == OutcomeReason::kOk);
  CHECK(several.summary ==
        "fail over Aurora cluster orders-db: writer orders-db-1 → the reader RDS picks (orders-db-2, orders-db-3)");

  ScriptedDeps multi_az;
  const ActionPlan plain = PlanWith(multi_az, ClusterXml("available", {{"db-a", true}, {"db-b", false}}, "postgres"));
  CHECK(plain.summary == "fail over DB cluster orders-db: writer db-a → db-b");
}

TEST_CASE("rds_failover plan: refused unless the cluster is available with a reader", "[rds_failover]") {
  ScriptedDeps failing;
  const ActionPlan busy = PlanWith(failing, Writer1("failing-over"));
  CHECK(busy.verdict == OutcomeReason::kRefused);
  CHECK(busy.summary ==
        "Aurora cluster orders-db is failing-over, not available: refusing to fail over (plan again when it is)");

  ScriptedDeps lonely;
  const ActionPlan no_reader = PlanWith(lonely, ClusterXml("available", {{"orders-db-1", true}}));
  CHECK(no_reader.verdict == OutcomeReason::kRefused);
  CHECK(no_reader.summary == "Aurora cluster orders-db has no reader to fail over to (members: orders-db-1)");
  CHECK(no_reader.steps.empty());
  CHECK(no_reader.observed.size() == 1);
}

TEST_CASE("rds_failover plan: a target that is no reader", "[rds_failover]") {
  ScriptedDeps stranger;
  const ActionPlan unknown = PlanWith(stranger, Writer1(), kSpec + "target_db_instance_identifier: orders-db-9\n");
  CHECK(unknown.verdict == OutcomeReason::kInvalidParams);
  CHECK(unknown.summary ==
        "target_db_instance_identifier orders-db-9 is not a member of Aurora cluster orders-db (members: orders-db-1, "
        "orders-db-2)");

  ScriptedDeps writer;
  const ActionPlan already = PlanWith(writer, Writer2(), kSpec + "target_db_instance_identifier: orders-db-2\n");
  CHECK(already.verdict == OutcomeReason::kNoop);
  CHECK(already.summary == "orders-db-2 is already the writer of Aurora cluster orders-db");
}

TEST_CASE("rds_failover plan: an unknown cluster is not_found", "[rds_failover]") {
  ScriptedDeps s;
  s.api->AnswerError("DescribeDBClusters", ApiErrorOf(ApiErrorKind::kNotFound, 404, "DBClusterNotFoundFault",
                                                      "DBCluster orders-db not found."));
  auto action = Build(s);
  const ActionPlan plan = RunPlan(*action, s.In(30s));
  CHECK(plan.verdict == OutcomeReason::kNotFound);
  CHECK(plan.summary ==
        "DB cluster orders-db not found (rds DescribeDBClusters: 404 DBClusterNotFoundFault: DBCluster orders-db not "
        "found.)");

  ScriptedDeps empty;
  const ActionPlan none = PlanWith(empty, R"(<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters/>
    </DescribeDBClustersResult></DescribeDBClustersResponse>)");
  CHECK(none.verdict == OutcomeReason::kNotFound);
}

TEST_CASE("rds_failover plan: read failures map to reasons", "[rds_failover]") {
  const std::pair<aws::ApiError, OutcomeReason> cases[] = {
      {ApiErrorOf(ApiErrorKind::kThrottled, 400, "Throttling", "Rate exceeded"), OutcomeReason::kUnavailable},
      {ApiErrorOf(ApiErrorKind::kServer, 503, "", "Service Unavailable"), OutcomeReason::kUnavailable},
      {ApiErrorOf(ApiErrorKind::kTransport, 0, "", "connection refused"), OutcomeReason::kUnavailable},
      {ApiErrorOf(ApiErrorKind::kAuth, 403, "AccessDenied", "not allowed"), OutcomeReason::kUnauthorized},
      {ApiErrorOf(ApiErrorKind::kCredentials, 0, "", "no credentials"), OutcomeReason::kUnauthorized},
      {ApiErrorOf(ApiErrorKind::kTimeout, 0, "", ""), OutcomeReason::kTimeout},
      {ApiErrorOf(ApiErrorKind::kBadResponse, 200, "", "not XML"), OutcomeReason::kApiError},
  };
  for (const auto& [error, reason] : cases) {
    ScriptedDeps s;
    s.api->AnswerError("DescribeDBClusters", error);
    auto action = Build(s);
    const ActionPlan plan = RunPlan(*action, s.In(30s));
    INFO(plan.summary);
    CHECK(plan.verdict == reason);
    CHECK_THAT(plan.summary, Contains("rds DescribeDBClusters: "));
  }
}

TEST_CASE("rds_failover plan: params", "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan =
      PlanWith(s, Writer1("available", true), kSpec, {{"target_db_instance_identifier", "orders-db-3"}});
  CHECK(plan.summary == "fail over Aurora cluster orders-db: writer orders-db-1 → orders-db-3");

  ScriptedDeps bad;
  auto action = Build(bad);
  const ActionPlan unknown = RunPlan(*action, bad.In(30s), {{"replicas", "3"}});
  CHECK(unknown.verdict == OutcomeReason::kInvalidParams);
  CHECK(unknown.summary == R"(unknown param "replicas" (rds_failover accepts: target_db_instance_identifier))");
  const ActionPlan malformed = RunPlan(*action, bad.In(30s), {{"target_db_instance_identifier", "db_2"}});
  CHECK(malformed.verdict == OutcomeReason::kInvalidParams);
  CHECK_THAT(malformed.summary, Contains(R"(not a valid RDS identifier: "db_2")"));
  CHECK(bad.api->calls().empty());
}

TEST_CASE("rds_failover execute: a writer changed since the plan is a conflict without a failover", "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer2());
  const Outcome outcome = RunExecute(*Build(s), plan, s.In(30min));
  CHECK_FALSE(outcome.ok);
  CHECK(outcome.reason == OutcomeReason::kConflict);
  CHECK_FALSE(outcome.retryable);
  CHECK(outcome.detail == "writer changed since the plan (orders-db-1 → orders-db-2); plan again");
  CHECK(s.api->CallsOf("FailoverDBCluster").empty());

  ScriptedDeps moving;
  const ActionPlan planned = PlanOf(Writer1());
  moving.api->AnswerXml("DescribeDBClusters", Writer1("failing-over"));
  const Outcome busy = RunExecute(*Build(moving), planned, moving.In(30min));
  CHECK(busy.reason == OutcomeReason::kConflict);
  CHECK(busy.detail == "Aurora cluster orders-db changed since the plan (status available → failing-over); plan again");
  CHECK(moving.api->CallsOf("FailoverDBCluster").empty());
}

TEST_CASE("rds_failover execute: fails over once and waits for the new writer", "[rds_failover]") {
  ScriptedDeps s;
  const std::string spec = kSpec + "target_db_instance_identifier: orders-db-2\n";
  const ActionPlan plan = PlanOf(Writer1(), spec);
  auto action = Build(s, spec);
  s.api->AnswerXml("DescribeDBClusters", Writer1());  // the check before acting
  s.api->AnswerXml("DescribeDBClusters", Writer1("failing-over"));
  s.api->AnswerXml("DescribeDBClusters", Writer2("failing-over"));
  s.api->AnswerXml("DescribeDBClusters", Writer2());
  s.api->AnswerXml("FailoverDBCluster", kFailoverXml);
  const Outcome outcome = RunExecute(*action, plan, s.In(30min));
  INFO(outcome.detail);
  REQUIRE(outcome.ok);
  CHECK(outcome.reason == OutcomeReason::kOk);
  CHECK(outcome.detail == "Aurora cluster orders-db failed over: writer orders-db-1 → orders-db-2");
  CHECK(outcome.data == boost::json::object{{"old_writer", "orders-db-1"}, {"new_writer", "orders-db-2"}});
  const auto failovers = s.api->CallsOf("FailoverDBCluster");
  REQUIRE(failovers.size() == 1);
  CHECK(failovers[0].params ==
        aws::QueryParams{{"DBClusterIdentifier", "orders-db"}, {"TargetDBInstanceIdentifier", "orders-db-2"}});
  CHECK(s.api->CallsOf("DescribeDBClusters").size() == 1 + 3);  // the check, three polls
}

TEST_CASE("rds_failover execute: a failover call without a clear answer is never sent again", "[rds_failover]") {
  const std::pair<aws::ApiError, OutcomeReason> cases[] = {
      {ApiErrorOf(ApiErrorKind::kTransport, 0, "", "connection reset by peer"), OutcomeReason::kUnavailable},
      {ApiErrorOf(ApiErrorKind::kTimeout, 0, "", "no answer by the deadline"), OutcomeReason::kTimeout},
      {ApiErrorOf(ApiErrorKind::kServer, 500, "InternalFailure", "internal error"), OutcomeReason::kUnavailable},
  };
  for (const auto& [error, reason] : cases) {
    ScriptedDeps s;
    const ActionPlan plan = PlanOf(Writer1());
    s.api->AnswerXml("DescribeDBClusters", Writer1());
    s.api->AnswerError("FailoverDBCluster", error);
    const Outcome outcome = RunExecute(*Build(s), plan, s.In(30min));
    INFO(outcome.detail);
    CHECK(outcome.reason == reason);
    CHECK_FALSE(outcome.retryable);
    CHECK_THAT(outcome.detail, Contains("the failover of orders-db may have started"));
    CHECK(s.api->CallsOf("FailoverDBCluster").size() == 1);
    CHECK(s.api->CallsOf("DescribeDBClusters").size() == 1);  // the check only: no wait
  }
}

TEST_CASE("rds_failover execute: FailoverDBCluster refusals", "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1());
  s.api->AnswerError("FailoverDBCluster", ApiErrorOf(ApiErrorKind::kInvalid, 400, "InvalidDBClusterStateFault",
                                                     "DBCluster orders-db is not in an available state."));
  const Outcome state = RunExecute(*Build(s), plan, s.In(30min));
  CHECK(state.reason == OutcomeReason::kConflict);
  CHECK_FALSE(state.retryable);
  CHECK_THAT(state.detail, Contains("InvalidDBClusterStateFault"));

  ScriptedDeps t;
  const ActionPlan other = PlanOf(Writer1());
  t.api->AnswerXml("DescribeDBClusters", Writer1());
  t.api->AnswerError("FailoverDBCluster", ApiErrorOf(ApiErrorKind::kInvalid, 400, "InvalidDBInstanceState",
                                                     "orders-db-2 is not available."));
  CHECK(RunExecute(*Build(t), other, t.In(30min)).reason == OutcomeReason::kRefused);

  ScriptedDeps u;
  const ActionPlan denied = PlanOf(Writer1());
  u.api->AnswerXml("DescribeDBClusters", Writer1());
  u.api->AnswerError("FailoverDBCluster", ApiErrorOf(ApiErrorKind::kAuth, 403, "AccessDenied", "no"));
  CHECK(RunExecute(*Build(u), denied, u.In(30min)).reason == OutcomeReason::kUnauthorized);
}

TEST_CASE("rds_failover execute: a state fault after the client's retry means the failover is under way",
          "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer2());
  s.api->AnswerError("FailoverDBCluster",
                     ApiErrorOf(ApiErrorKind::kInvalid, 400, "InvalidDBClusterStateFault", "failing over"),
                     /*attempts=*/2);
  const Outcome outcome = RunExecute(*Build(s), plan, s.In(30min));
  INFO(outcome.detail);
  CHECK(outcome.ok);
  CHECK(s.api->CallsOf("FailoverDBCluster").size() == 1);
}

TEST_CASE("rds_failover execute: the wait ends at wait_timeout or the run's deadline", "[rds_failover]") {
  ScriptedDeps s(1min);  // every call takes a minute
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1("failing-over"));
  s.api->AnswerXml("FailoverDBCluster", kFailoverXml);
  const Outcome outcome = RunExecute(*Build(s), plan, s.In(2h));
  CHECK(outcome.reason == OutcomeReason::kTimeout);
  CHECK_FALSE(outcome.retryable);
  CHECK(outcome.detail == "failover requested; writer still orders-db-1 after 10m (cluster status failing-over)");
  CHECK(s.api->CallsOf("FailoverDBCluster").size() == 1);
  CHECK(s.api->CallsOf("DescribeDBClusters").size() < 15);

  ScriptedDeps short_run(1min);
  const ActionPlan planned = PlanOf(Writer1());
  short_run.api->AnswerXml("DescribeDBClusters", Writer1());
  short_run.api->AnswerXml("DescribeDBClusters", Writer2("failing-over"));
  short_run.api->AnswerXml("FailoverDBCluster", kFailoverXml);
  const Outcome bounded = RunExecute(*Build(short_run, kSpec + "wait_timeout: 1h\n"), planned, short_run.In(5min));
  CHECK(bounded.reason == OutcomeReason::kTimeout);
  CHECK(bounded.detail ==
        "failover requested; writer now orders-db-2 at the run's deadline (cluster status failing-over)");
}

TEST_CASE("rds_failover execute: a failed cluster is verify_failed; transient reads do not end the wait",
          "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1());
  s.api->AnswerXml("DescribeDBClusters", Writer1("inaccessible-encryption-credentials"));
  s.api->AnswerXml("FailoverDBCluster", kFailoverXml);
  const Outcome failed = RunExecute(*Build(s), plan, s.In(30min));
  CHECK(failed.reason == OutcomeReason::kVerifyFailed);
  CHECK(failed.detail ==
        "failover requested; Aurora cluster orders-db is inaccessible-encryption-credentials (writer orders-db-1)");

  ScriptedDeps flaky;
  const ActionPlan planned = PlanOf(Writer1());
  flaky.api->AnswerXml("DescribeDBClusters", Writer1());
  flaky.api->AnswerError("DescribeDBClusters", ApiErrorOf(ApiErrorKind::kThrottled, 400, "Throttling", "slow down"));
  flaky.api->AnswerXml("DescribeDBClusters", Writer2());
  flaky.api->AnswerXml("FailoverDBCluster", kFailoverXml);
  const Outcome recovered = RunExecute(*Build(flaky), planned, flaky.In(30min));
  INFO(recovered.detail);
  CHECK(recovered.ok);
}

TEST_CASE("rds_failover execute: a failed check before acting is retryable when transient", "[rds_failover]") {
  ScriptedDeps s;
  const ActionPlan plan = PlanOf(Writer1());
  s.api->AnswerError("DescribeDBClusters", ApiErrorOf(ApiErrorKind::kServer, 503, "", "unavailable"));
  const Outcome outcome = RunExecute(*Build(s), plan, s.In(30min));
  CHECK(outcome.reason == OutcomeReason::kUnavailable);
  CHECK(outcome.retryable);
  CHECK(s.api->CallsOf("FailoverDBCluster").empty());
}

TEST_CASE("rds_failover config: keys, identifiers and the connection", "[rds_failover]") {
  ScriptedDeps s;
  const auto errors = [&](const std::string& yaml) { return ConfigErrors(MakeActionFactory(), yaml, s.deps); };
  CHECK(errors(kSpec).empty());
  CHECK(errors(kSpec + "target_db_instance_identifier: orders-db-2\nwait_timeout: 15m\n").empty());
  CHECK(errors("target_db_instance_identifier: orders-db-2\n") ==
        "spec.yaml:2:3: spec: missing required key \"db_cluster_identifier\"\n");
  CHECK(
      errors("db_cluster_identifier: orders_db\n") ==
      "spec.yaml:2:26: spec.db_cluster_identifier: not a valid RDS identifier: \"orders_db\" (1 to 63 letters, digits "
      "and hyphens, starting with a letter, no \"--\" and no hyphen at the end)\n");
  CHECK(errors(kSpec + "wait_timeout: 0\n") ==
        "spec.yaml:3:17: spec.wait_timeout: wait_timeout must be greater than 0\n");
  CHECK_THAT(errors(kSpec + "target_instance: orders-db-2\n"), Contains("target_instance"));
  CHECK(errors("orders-db\n") ==
        "spec.yaml:2:3: spec: action type rds_failover needs a spec with at least \"db_cluster_identifier\"\n");
  CHECK(ConfigErrors(MakeActionFactory(), kSpec, ActionDeps{}) ==
        "spec.yaml:2:3: spec: action type rds_failover needs a connection of type aws (set connection: NAME)\n");
  CHECK(Build(s)->risk() == ActionRisk::kDestructive);
}

TEST_CASE("rds_failover: cluster statuses that a wait cannot fix", "[rds_failover]") {
  CHECK(IsFailedStatus("failed"));
  CHECK(IsFailedStatus("migration-failed"));
  CHECK(IsFailedStatus("inaccessible-encryption-credentials-recoverable"));
  CHECK(IsFailedStatus("stopped"));
  CHECK_FALSE(IsFailedStatus("failing-over"));
  CHECK_FALSE(IsFailedStatus("available"));
  CHECK_FALSE(IsFailedStatus("modifying"));
  CHECK(IsRdsIdentifier("orders-db-1"));
  CHECK_FALSE(IsRdsIdentifier("1orders"));
  CHECK_FALSE(IsRdsIdentifier("orders--db"));
  CHECK_FALSE(IsRdsIdentifier("orders-"));
  CHECK_FALSE(IsRdsIdentifier(std::string(64, 'a')));
}
