#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "../support/manual_clock.hpp"
#include "../support/probe_harness.hpp"
#include "aws_api_double.hpp"
#include "probes/rds/rds_probe.hpp"

using namespace runbookd;
using Catch::Matchers::Contains;
using probes::rds::MakeProbeFactory;

namespace {

// `aws rds describe-db-instances --db-instance-identifier shop-db-1` as RDS answers it.
std::string Instance(const std::string& status) {
  return R"(<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBInstancesResult>
    <DBInstances>
      <DBInstance>
        <DBInstanceIdentifier>shop-db-1</DBInstanceIdentifier>
        <DBInstanceClass>db.r6g.large</DBInstanceClass>
        <Engine>aurora-postgresql</Engine>
        <DBInstanceStatus>)" +
         status + R"(</DBInstanceStatus>
        <Endpoint><Address>shop-db-1.c9akciq32.eu-west-1.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>
        <MultiAZ>false</MultiAZ>
        <AvailabilityZone>eu-west-1a</AvailabilityZone>
        <DBClusterIdentifier>shop-db</DBClusterIdentifier>
        <DBInstanceArn>arn:aws:rds:eu-west-1:123456789012:db:shop-db-1</DBInstanceArn>
      </DBInstance>
    </DBInstances>
  </DescribeDBInstancesResult>
  <ResponseMetadata><RequestId>9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d</RequestId></ResponseMetadata>
</DescribeDBInstancesResponse>)";
}

struct Member {
  std::string id;
  bool writer;
};

std::string Cluster(const std::string& status, const std::vector<Member>& members) {
  std::string items;
  for (const auto& m : members) {
    items += "<DBClusterMember><DBInstanceIdentifier>" + m.id + "</DBInstanceIdentifier><IsClusterWriter>" +
             (m.writer ? "true" : "false") +
             "</IsClusterWriter><DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus>"
             "<PromotionTier>1</PromotionTier></DBClusterMember>";
  }
  return R"(<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBClustersResult>
    <DBClusters>
      <DBCluster>
        <DBClusterIdentifier>shop-db</DBClusterIdentifier>
        <Status>)" +
         status + R"(</Status>
        <Endpoint>shop-db.cluster-c9akciq32.eu-west-1.rds.amazonaws.com</Endpoint>
        <ReaderEndpoint>shop-db.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com</ReaderEndpoint>
        <Port>5432</Port>
        <MultiAZ>true</MultiAZ>
        <Engine>aurora-postgresql</Engine>
        <DBClusterMembers>)" +
         items + R"(</DBClusterMembers>
      </DBCluster>
    </DBClusters>
  </DescribeDBClustersResult>
  <ResponseMetadata><RequestId>1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e</RequestId></ResponseMetadata>
</DescribeDBClustersResponse>)";
}

const std::vector<Member> kThreeMembers = {{"shop-db-1", true}, {"shop-db-2", false}, {"shop-db-3", false}};

struct Fixture {
  testing::ManualClock clock;
  std::shared_ptr<awstest::ScriptedAwsApi> api = std::make_shared<awstest::ScriptedAwsApi>();

  ProbeDeps Deps() const {
    ProbeDeps deps;
    deps.clock = &clock;
    deps.aws = api;
    deps.connection = "prod-aws";
    return deps;
  }
  ProbeResult Run(const std::string& spec) {
    auto probe = probetest::BuildProbe(MakeProbeFactory(), spec, Deps());
    return probetest::RunOnce(*probe).result;
  }
};

constexpr const char* kInstanceSpec = "db_instance_identifier: shop-db-1\n";
constexpr const char* kClusterSpec = "db_cluster_identifier: shop-db\n";

std::string SpecErrors(const std::string& yaml, const ProbeDeps& deps) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  (void)MakeProbeFactory()(doc.root(), deps);
  doc.CheckUnknownKeys();
  return diags.Format();
}

}  // namespace

TEST_CASE("rds: an available instance is healthy", "[rds]") {
  Fixture f;
  f.api->AnswerXml("DescribeDBInstances", Instance("available"));
  const ProbeResult r = f.Run(kInstanceSpec);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.reason == ProbeReason::kOk);
  CHECK(r.detail == "DB instance shop-db-1 (aurora-postgresql db.r6g.large) available");
  REQUIRE(f.api->calls().size() == 1);
  CHECK(f.api->calls()[0].service == aws::AwsService::kRds);
  CHECK(f.api->calls()[0].action == "DescribeDBInstances");
  CHECK(f.api->calls()[0].params == aws::QueryParams{{"DBInstanceIdentifier", "shop-db-1"}});
}

TEST_CASE("rds: instance statuses by class", "[rds]") {
  Fixture f;
  const auto [status, probe_status, reason] = GENERATE(table<std::string, ProbeStatus, ProbeReason>({
      // Serving while RDS works on it.
      {"backing-up", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"storage-optimization", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"configuring-enhanced-monitoring", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"configuring-iam-database-auth", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"configuring-log-exports", ProbeStatus::kHealthy, ProbeReason::kOk},
      // Changing state: not reliably serving.
      {"modifying", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"rebooting", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"starting", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"upgrading", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"maintenance", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"renaming", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"resetting-master-credentials", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"creating", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"converting-to-vpc", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"moving-to-vpc", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"backtracking", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"failing-over", ProbeStatus::kUnhealthy, ProbeReason::kFailingOver},
      // Failed, stopped, unusable.
      {"failed", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"stopped", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"stopping", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"storage-full", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"incompatible-network", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"incompatible-option-group", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"incompatible-parameters", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"incompatible-restore", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"inaccessible-encryption-credentials", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"inaccessible-encryption-credentials-recoverable", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"restore-error", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"insufficient-capacity", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"deleting", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      // A status this version does not know: it cannot decide.
      {"hibernating", ProbeStatus::kUnknown, ProbeReason::kDbStatus},
  }));
  f.api->AnswerXml("DescribeDBInstances", Instance(status));
  const ProbeResult r = f.Run(kInstanceSpec);
  INFO(status << ": " << r.detail);
  CHECK(r.status == probe_status);
  CHECK(r.reason == reason);
  CHECK_THAT(r.detail, Contains("DB instance shop-db-1 (aurora-postgresql db.r6g.large) "));
  CHECK_THAT(r.detail, Contains(status));
}

TEST_CASE("rds: what the detail says of each class", "[rds]") {
  Fixture f;
  const std::string subject = "DB instance shop-db-1 (aurora-postgresql db.r6g.large) ";
  const auto [status, detail] = GENERATE(table<std::string, std::string>({
      {"backing-up", "backing-up (serving meanwhile)"},
      {"rebooting", "is rebooting: not reliably serving until it is available again"},
      {"failing-over", "is failing-over: writes fail until the failover completes"},
      {"storage-full", "is storage-full"},
      {"hibernating", "reports status \"hibernating\", which this probe does not know"},
  }));
  f.api->AnswerXml("DescribeDBInstances", Instance(status));
  CHECK(f.Run(kInstanceSpec).detail == subject + detail);
}

TEST_CASE("rds: a cluster with its writer is healthy and names it", "[rds]") {
  Fixture f;
  f.api->AnswerXml("DescribeDBClusters", Cluster("available", kThreeMembers));
  const ProbeResult r = f.Run(kClusterSpec);
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(r.detail ==
        "DB cluster shop-db (aurora-postgresql) available; writer shop-db-1, 2 readers (shop-db-2, shop-db-3)");
  CHECK(probetest::Observed(r, "cluster_members") == 3);
  CHECK(probetest::Observed(r, "cluster_readers") == 2);
  CHECK(probetest::Observed(r, "cluster_writers") == 1);
  REQUIRE(f.api->calls().size() == 1);
  CHECK(f.api->calls()[0].service == aws::AwsService::kRds);
  CHECK(f.api->calls()[0].action == "DescribeDBClusters");
  CHECK(f.api->calls()[0].params == aws::QueryParams{{"DBClusterIdentifier", "shop-db"}});
}

TEST_CASE("rds: a cluster without a writer is unhealthy", "[rds]") {
  Fixture f;
  SECTION("readers only") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("available", {{"shop-db-2", false}, {"shop-db-3", false}}));
    const ProbeResult r = f.Run(kClusterSpec);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kNoWriter);
    CHECK(r.detail ==
          "DB cluster shop-db (aurora-postgresql) available; no writer, 2 readers (shop-db-2, shop-db-3): writes fail "
          "until a writer is promoted");
    CHECK(probetest::Observed(r, "cluster_writers") == 0);
  }
  SECTION("no members at all") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("available", {}));
    const ProbeResult r = f.Run(kClusterSpec);
    CHECK(r.reason == ProbeReason::kNoWriter);
    CHECK_THAT(r.detail, Contains("no writer, 0 readers"));
    CHECK(probetest::Observed(r, "cluster_members") == 0);
  }
}

TEST_CASE("rds: a cluster failing over is unhealthy and names the writer it had", "[rds]") {
  Fixture f;
  f.api->AnswerXml("DescribeDBClusters", Cluster("failing-over", {{"shop-db-1", true}, {"shop-db-2", false}}));
  const ProbeResult r = f.Run(kClusterSpec);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kFailingOver);
  CHECK(r.detail ==
        "DB cluster shop-db (aurora-postgresql) is failing-over: writes fail until the failover completes; writer "
        "shop-db-1, 1 reader (shop-db-2)");
}

TEST_CASE("rds: cluster statuses by class", "[rds]") {
  Fixture f;
  const auto [status, probe_status, reason] = GENERATE(table<std::string, ProbeStatus, ProbeReason>({
      {"backing-up", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"update-iam-db-auth", ProbeStatus::kHealthy, ProbeReason::kOk},
      {"modifying", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"promoting", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"migrating", ProbeStatus::kUnhealthy, ProbeReason::kDbTransitioning},
      {"stopped", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"cloning-failed", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"migration-failed", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
      {"inaccessible-encryption-credentials-recoverable", ProbeStatus::kUnhealthy, ProbeReason::kDbStatus},
  }));
  f.api->AnswerXml("DescribeDBClusters", Cluster(status, kThreeMembers));
  const ProbeResult r = f.Run(kClusterSpec);
  INFO(status << ": " << r.detail);
  CHECK(r.status == probe_status);
  CHECK(r.reason == reason);
  CHECK_THAT(r.detail, Contains("writer shop-db-1, 2 readers (shop-db-2, shop-db-3)"));
}

TEST_CASE("rds: a busy cluster without a writer is still no_writer", "[rds]") {
  Fixture f;
  f.api->AnswerXml("DescribeDBClusters", Cluster("backing-up", {{"shop-db-2", false}}));
  const ProbeResult r = f.Run(kClusterSpec);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNoWriter);
}

TEST_CASE("rds: cluster and instance together report the worse, with both details", "[rds]") {
  Fixture f;
  const std::string spec = std::string(kClusterSpec) + kInstanceSpec;
  SECTION("both serving") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("available", kThreeMembers));
    f.api->AnswerXml("DescribeDBInstances", Instance("available"));
    const ProbeResult r = f.Run(spec);
    CHECK(r.status == ProbeStatus::kHealthy);
    CHECK(r.detail ==
          "DB cluster shop-db (aurora-postgresql) available; writer shop-db-1, 2 readers (shop-db-2, shop-db-3); DB "
          "instance shop-db-1 (aurora-postgresql db.r6g.large) available");
    CHECK(probetest::Observed(r, "cluster_members") == 3);
    CHECK(f.api->CallsOf("DescribeDBClusters").size() == 1);
    CHECK(f.api->CallsOf("DescribeDBInstances").size() == 1);
    CHECK(f.api->CallsOf("DescribeDBClusters")[0].deadline == f.api->CallsOf("DescribeDBInstances")[0].deadline);
  }
  SECTION("the instance rebooting") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("available", kThreeMembers));
    f.api->AnswerXml("DescribeDBInstances", Instance("rebooting"));
    const ProbeResult r = f.Run(spec);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kDbTransitioning);
    CHECK_THAT(r.detail, Contains("available; writer shop-db-1"));
    CHECK_THAT(r.detail, Contains("is rebooting"));
  }
  SECTION("the instance unanswered: unknown beats healthy") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("available", kThreeMembers));
    f.api->AnswerError("DescribeDBInstances", awstest::ApiErrorOf(aws::ApiErrorKind::kTimeout, 0, "", ""));
    const ProbeResult r = f.Run(spec);
    CHECK(r.status == ProbeStatus::kUnknown);
    CHECK(r.reason == ProbeReason::kTimeout);
  }
  SECTION("unhealthy beats unknown") {
    f.api->AnswerXml("DescribeDBClusters", Cluster("failing-over", kThreeMembers));
    f.api->AnswerError("DescribeDBInstances", awstest::ApiErrorOf(aws::ApiErrorKind::kTimeout, 0, "", ""));
    const ProbeResult r = f.Run(spec);
    CHECK(r.status == ProbeStatus::kUnhealthy);
    CHECK(r.reason == ProbeReason::kFailingOver);
  }
}

TEST_CASE("rds: an answer missing what the judgement needs is unknown, never healthy", "[rds]") {
  Fixture f;
  const auto [action, xml, spec, detail] = GENERATE(table<std::string, std::string, std::string, std::string>({
      {"DescribeDBInstances", Instance(""), kInstanceSpec,
       "unexpected answer from RDS: DB instance shop-db-1 has no DBInstanceStatus"},
      {"DescribeDBInstances",
       "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult>"
       "</DescribeDBInstancesResponse>",
       kInstanceSpec, "unexpected answer from RDS: DescribeDBInstances did not list DB instance shop-db-1"},
      {"DescribeDBInstances", "<DescribeDBInstancesResponse/>", kInstanceSpec,
       "unexpected answer from RDS: DescribeDBInstances returned no result element"},
      {"DescribeDBClusters", Cluster("", kThreeMembers), kClusterSpec,
       "unexpected answer from RDS: DB cluster shop-db has no Status"},
      {"DescribeDBClusters",
       "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>shop-db"
       "</DBClusterIdentifier><Status>available</Status></DBCluster></DBClusters></DescribeDBClustersResult>"
       "</DescribeDBClustersResponse>",
       kClusterSpec, "unexpected answer from RDS: DB cluster shop-db has no DBClusterMembers"},
      {"DescribeDBClusters",
       "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>shop-db"
       "</DBClusterIdentifier><Status>available</Status><DBClusterMembers><DBClusterMember><DBInstanceIdentifier>"
       "shop-db-1</DBInstanceIdentifier></DBClusterMember></DBClusterMembers></DBCluster></DBClusters>"
       "</DescribeDBClustersResult></DescribeDBClustersResponse>",
       kClusterSpec,
       "unexpected answer from RDS: a member of DB cluster shop-db without DBInstanceIdentifier or IsClusterWriter"},
  }));
  f.api->AnswerXml(action, xml);
  const ProbeResult r = f.Run(spec);
  CHECK(r.status == ProbeStatus::kUnknown);
  CHECK(r.reason == ProbeReason::kApiError);
  CHECK(r.detail == detail);
}

TEST_CASE("rds: API errors", "[rds]") {
  using K = aws::ApiErrorKind;
  Fixture f;
  const auto [kind, status, code, message, attempts, probe_status, reason,
              detail] = GENERATE(table<K, int, std::string, std::string, int, ProbeStatus, ProbeReason, std::string>({
      {K::kNotFound, 404, "DBClusterNotFoundFault", "DBCluster shop-db not found.", 1, ProbeStatus::kUnhealthy,
       ProbeReason::kNotFound,
       "DB cluster shop-db not found (DescribeDBClusters: 404 DBClusterNotFoundFault: DBCluster shop-db not "
       "found.)"},
      {K::kAuth, 403, "AccessDenied",
       "User: arn:aws:iam::123456789012:user/runbookd is not authorized to perform: rds:DescribeDBClusters", 1,
       ProbeStatus::kUnknown, ProbeReason::kUnauthorized,
       "DescribeDBClusters: 403 AccessDenied: User: arn:aws:iam::123456789012:user/runbookd is not authorized to "
       "perform: rds:DescribeDBClusters"},
      {K::kCredentials, 0, "", "the web identity token file /var/run/token cannot be read", 1, ProbeStatus::kUnknown,
       ProbeReason::kUnauthorized, "DescribeDBClusters: the web identity token file /var/run/token cannot be read"},
      {K::kTimeout, 0, "", "", 1, ProbeStatus::kUnknown, ProbeReason::kTimeout,
       "DescribeDBClusters: no answer before the deadline"},
      {K::kCancelled, 0, "", "", 1, ProbeStatus::kUnknown, ProbeReason::kTimeout,
       "DescribeDBClusters: no answer before the deadline"},
      {K::kThrottled, 400, "Throttling", "Rate exceeded", 4, ProbeStatus::kUnknown, ProbeReason::kApiError,
       "DescribeDBClusters: 400 Throttling: Rate exceeded (after 4 attempts)"},
      {K::kServer, 503, "ServiceUnavailable", "Service unavailable", 4, ProbeStatus::kUnknown, ProbeReason::kApiError,
       "DescribeDBClusters: 503 ServiceUnavailable: Service unavailable (after 4 attempts)"},
      {K::kTransport, 0, "", "", 3, ProbeStatus::kUnknown, ProbeReason::kConnectionFailed,
       "DescribeDBClusters: no answer from the endpoint (after 3 attempts)"},
      {K::kInvalid, 400, "InvalidParameterValue", "Invalid database cluster identifier:  shop-db", 1,
       ProbeStatus::kUnknown, ProbeReason::kApiError,
       "DescribeDBClusters: 400 InvalidParameterValue: Invalid database cluster identifier:  shop-db"},
  }));
  f.api->AnswerError("DescribeDBClusters", awstest::ApiErrorOf(kind, status, code, message), attempts);
  const ProbeResult r = f.Run(kClusterSpec);
  CHECK(r.status == probe_status);
  CHECK(r.reason == reason);
  CHECK(r.detail == detail);
}

TEST_CASE("rds: a missing instance is not_found", "[rds]") {
  Fixture f;
  f.api->AnswerError("DescribeDBInstances", awstest::ApiErrorOf(aws::ApiErrorKind::kNotFound, 404, "DBInstanceNotFound",
                                                                "DBInstance shop-db-1 not found."));
  const ProbeResult r = f.Run(kInstanceSpec);
  CHECK(r.status == ProbeStatus::kUnhealthy);
  CHECK(r.reason == ProbeReason::kNotFound);
  CHECK(r.detail ==
        "DB instance shop-db-1 not found (DescribeDBInstances: 404 DBInstanceNotFound: DBInstance shop-db-1 not "
        "found.)");
}

TEST_CASE("rds: identifiers match whatever their case", "[rds]") {
  Fixture f;
  f.api->AnswerXml("DescribeDBClusters", Cluster("available", kThreeMembers));
  const ProbeResult r = f.Run("db_cluster_identifier: Shop-DB\n");
  CHECK(r.status == ProbeStatus::kHealthy);
  CHECK(f.api->calls().at(0).params == aws::QueryParams{{"DBClusterIdentifier", "Shop-DB"}});
}

TEST_CASE("rds: config errors", "[rds]") {
  Fixture f;
  const ProbeDeps deps = f.Deps();
  CHECK(SpecErrors("{}\n", deps) ==
        "t.yaml:1:1: (root): the rds probe needs \"db_instance_identifier\", \"db_cluster_identifier\", or both\n");
  CHECK(SpecErrors("", deps) ==
        "t.yaml:1:1: (root): the rds probe needs a spec with \"db_instance_identifier\", \"db_cluster_identifier\", "
        "or both\n");
  CHECK_THAT(SpecErrors("- shop-db\n", deps), Contains("t.yaml:1:1: (root): the rds probe's spec must be a mapping\n"));
  CHECK(SpecErrors(kClusterSpec, ProbeDeps{}) ==
        "t.yaml:1:1: (root): probe type rds needs a connection of type aws (set connection: NAME)\n");
  CHECK(SpecErrors(std::string(kClusterSpec) + "db_instance_identifer: shop-db-1\n", deps) ==
        "t.yaml:2:1: db_instance_identifer: unknown key \"db_instance_identifer\" (did you mean "
        "\"db_instance_identifier\"?)\n");
  CHECK(SpecErrors("db_cluster_identifier: shop_db\n", deps) ==
        "t.yaml:1:24: db_cluster_identifier: \"shop_db\" is not an RDS identifier (1 to 63 letters, digits or "
        "hyphens, starting with a letter)\n");
  CHECK(SpecErrors("db_instance_identifier: shop-db-1.c9akciq32.eu-west-1.rds.amazonaws.com\n", deps) ==
        "t.yaml:1:25: db_instance_identifier: \"shop-db-1.c9akciq32.eu-west-1.rds.amazonaws.com\" is not an RDS "
        "identifier (1 to 63 letters, digits or hyphens, starting with a letter)\n");
  CHECK(SpecErrors("db_instance_identifier: 1db\n", deps) != "");
  CHECK(SpecErrors("db_instance_identifier: shop--db\n", deps) != "");
  CHECK(SpecErrors("db_instance_identifier: shop-db-\n", deps) != "");
  CHECK(SpecErrors(kInstanceSpec, deps).empty());
  CHECK(SpecErrors(kClusterSpec, deps).empty());
  CHECK(SpecErrors(std::string(kClusterSpec) + kInstanceSpec, deps).empty());
}
