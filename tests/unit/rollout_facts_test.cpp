// ComputeRolloutFacts: which ReplicaSet is current, which revision is the previous one, and when the
// current revision began (a new ReplicaSet's creation, or a rollback's Progressing condition).
#include "daemon/engine/rollout_facts.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>

using namespace runbookd;
using rules::BeganEvidence;

namespace {

const std::string kUid = "0d5c9c2e-6a4b-4c61-9f0e-1b2a3c4d5e6f";

WallTime At(const std::string& text) {
  const auto t = ParseKubernetesTime(text);
  REQUIRE(t);
  return *t;
}

std::string ReplicaSetJson(const std::string& name, int revision, const std::string& created,
                           const std::string& owner_uid = kUid, const std::string& history = "",
                           bool controller = true) {
  std::string annotations = R"("deployment.kubernetes.io/revision": ")" + std::to_string(revision) + "\"";
  if (!history.empty()) annotations += R"(, "deployment.kubernetes.io/revision-history": ")" + history + "\"";
  return R"({"metadata": {"name": ")" + name + R"(", "namespace": "production", "creationTimestamp": ")" + created +
         R"(", "annotations": {)" + annotations +
         R"(}, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "ecommerce-backend",
         "uid": ")" +
         owner_uid + R"(", "controller": )" + (controller ? "true" : "false") + "}]}}";
}

// A Deployment at `revision`; `progressing` is the Progressing condition's JSON (or empty).
std::string DeploymentJson(int revision, const std::string& progressing = "",
                           const std::string& replica_status = R"("replicas": 3, "updatedReplicas": 3,
                                                                 "availableReplicas": 3, "observedGeneration": 9)") {
  return R"({"metadata": {"name": "ecommerce-backend", "namespace": "production", "uid": ")" + kUid +
         R"(", "generation": 9, "annotations": {"deployment.kubernetes.io/revision": ")" + std::to_string(revision) +
         R"("}}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "backend"}}},
         "status": {)" +
         replica_status + R"(, "conditions": [
           {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
            "lastUpdateTime": "2027-01-01T00:00:00Z", "lastTransitionTime": "2027-01-01T00:00:00Z"})" +
         (progressing.empty() ? "" : ", " + progressing) + "]}}";
}

std::string Progressing(const std::string& reason, const std::string& message, const std::string& updated,
                        const std::string& transitioned = "2026-06-01T00:00:00Z") {
  return R"({"type": "Progressing", "status": "True", "reason": ")" + reason + R"(", "message": ")" + message +
         R"(", "lastUpdateTime": ")" + updated + R"(", "lastTransitionTime": ")" + transitioned + "\"}";
}

ComputedRollout Compute(const std::string& deployment, const std::vector<std::string>& replicasets) {
  boost::json::array items;
  for (const auto& rs : replicasets) items.push_back(boost::json::parse(rs));
  return ComputeRolloutFacts(boost::json::parse(deployment), items);
}

}  // namespace

TEST_CASE("a fresh rollout began when its new ReplicaSet was created", "[rollout][facts]") {
  const auto computed = Compute(
      DeploymentJson(
          7, Progressing("ReplicaSetUpdated", R"(ReplicaSet \"backend-7\" is progressing.)", "2027-01-15T08:04:00Z"),
          R"("replicas": 4, "updatedReplicas": 2, "availableReplicas": 3, "observedGeneration": 9)"),
      {ReplicaSetJson("backend-6", 6, "2027-01-10T00:00:00Z"), ReplicaSetJson("backend-7", 7, "2027-01-15T08:00:00Z"),
       ReplicaSetJson("backend-5", 5, "2027-01-01T00:00:00Z")});
  INFO(computed.why);
  REQUIRE(computed.facts);
  CHECK(computed.deployment_uid == kUid);
  CHECK(computed.facts->revision == 7);
  CHECK(computed.facts->previous_revision == 6);
  CHECK(computed.facts->began == At("2027-01-15T08:00:00Z"));
  CHECK(computed.facts->began_evidence == BeganEvidence::kNewReplicaSet);
  CHECK(computed.facts->in_progress);
}

TEST_CASE("a rollback reuses an old ReplicaSet: the Progressing condition dates it", "[rollout][facts]") {
  // Revision 8 is the template of revision 6 again: the controller renumbered the old ReplicaSet.
  const auto computed =
      Compute(DeploymentJson(8, Progressing("ReplicaSetUpdated", R"(ReplicaSet \"backend-6\" is progressing.)",
                                            "2027-01-15T09:00:30Z", "2026-06-01T00:00:00Z")),
              {ReplicaSetJson("backend-6", 8, "2027-01-10T00:00:00Z", kUid, "6"),
               ReplicaSetJson("backend-7", 7, "2027-01-15T08:00:00Z")});
  INFO(computed.why);
  REQUIRE(computed.facts);
  CHECK(computed.facts->revision == 8);
  CHECK(computed.facts->previous_revision == 7);
  CHECK(computed.facts->began == At("2027-01-15T09:00:30Z"));  // not the 10th, not the transition time
  CHECK(computed.facts->began_evidence == BeganEvidence::kProgressing);
  CHECK_FALSE(computed.facts->in_progress);
}

TEST_CASE("a finished rollback is dated by NewReplicaSetAvailable, a found one by FoundNewReplicaSet",
          "[rollout][facts]") {
  for (const std::string reason : {"NewReplicaSetAvailable", "FoundNewReplicaSet", "NewReplicaSetCreated"}) {
    INFO(reason);
    const auto computed = Compute(
        DeploymentJson(
            8, Progressing(reason, R"(ReplicaSet \"backend-6\" has successfully progressed.)", "2027-01-15T09:05:00Z")),
        {ReplicaSetJson("backend-6", 8, "2027-01-10T00:00:00Z", kUid, "4,6")});
    REQUIRE(computed.facts);
    CHECK(computed.facts->began == At("2027-01-15T09:05:00Z"));
    CHECK(computed.facts->began_evidence == BeganEvidence::kProgressing);
  }
}

TEST_CASE("a rollback without Progressing evidence keeps the old creation time, marked as such", "[rollout][facts]") {
  // The condition names another ReplicaSet, or has a reason that dates nothing.
  for (const std::string& progressing :
       {Progressing("ReplicaSetUpdated", R"(ReplicaSet \"backend-7\" is progressing.)", "2027-01-15T09:00:00Z"),
        Progressing("ProgressDeadlineExceeded", R"(ReplicaSet \"backend-6\" has timed out progressing.)",
                    "2027-01-15T09:00:00Z"),
        std::string()}) {
    const auto computed =
        Compute(DeploymentJson(8, progressing), {ReplicaSetJson("backend-6", 8, "2027-01-10T00:00:00Z", kUid, "6"),
                                                 ReplicaSetJson("backend-7", 7, "2027-01-15T08:00:00Z")});
    REQUIRE(computed.facts);
    CHECK(computed.facts->began == At("2027-01-10T00:00:00Z"));
    CHECK(computed.facts->began_evidence == BeganEvidence::kReusedReplicaSet);
  }
}

TEST_CASE("a single revision has no previous one", "[rollout][facts]") {
  const auto computed = Compute(DeploymentJson(1), {ReplicaSetJson("backend-1", 1, "2027-01-15T08:00:00Z")});
  REQUIRE(computed.facts);
  CHECK(computed.facts->revision == 1);
  CHECK_FALSE(computed.facts->previous_revision);
  CHECK(computed.facts->began_evidence == BeganEvidence::kNewReplicaSet);
}

TEST_CASE("ReplicaSets of other owners are ignored", "[rollout][facts]") {
  const std::string other = "11111111-2222-3333-4444-555555555555";
  const auto computed =
      Compute(DeploymentJson(7), {
                                     // Same labels, same revision numbers, other controllers (or none).
                                     ReplicaSetJson("impostor-7", 7, "2027-01-15T09:00:00Z", other),
                                     ReplicaSetJson("impostor-6", 6, "2027-01-15T08:30:00Z", other),
                                     ReplicaSetJson("orphan-6", 6, "2027-01-15T08:30:00Z", kUid, "", false),
                                     ReplicaSetJson("backend-7", 7, "2027-01-15T08:00:00Z"),
                                     ReplicaSetJson("backend-4", 4, "2027-01-01T00:00:00Z"),
                                 });
  REQUIRE(computed.facts);
  CHECK(computed.facts->began == At("2027-01-15T08:00:00Z"));
  CHECK(computed.facts->previous_revision == 4);

  const auto none_of_ours =
      Compute(DeploymentJson(7), {ReplicaSetJson("impostor-7", 7, "2027-01-15T09:00:00Z", other)});
  CHECK_FALSE(none_of_ours.facts);
  CHECK(none_of_ours.why == "no ReplicaSet of the Deployment has revision 7");
}

TEST_CASE("without a revision, a uid or a creation time the facts are unknown", "[rollout][facts]") {
  auto no_revision = boost::json::parse(DeploymentJson(7));
  no_revision.at("metadata").as_object().erase("annotations");
  const auto unrevised = ComputeRolloutFacts(no_revision, {});
  CHECK_FALSE(unrevised.facts);
  CHECK(unrevised.why == "the Deployment has no deployment.kubernetes.io/revision annotation yet");

  auto no_uid = boost::json::parse(DeploymentJson(7));
  no_uid.at("metadata").as_object().erase("uid");
  CHECK_FALSE(ComputeRolloutFacts(no_uid, {}).facts);

  const auto no_time = Compute(DeploymentJson(7), {ReplicaSetJson("backend-7", 7, "yesterday")});
  CHECK_FALSE(no_time.facts);
  CHECK(no_time.why == "ReplicaSet backend-7 has no valid creationTimestamp");
}

TEST_CASE("in progress: spec not observed yet, or replicas not all updated and available", "[rollout][facts]") {
  const std::string rs = ReplicaSetJson("backend-7", 7, "2027-01-15T08:00:00Z");
  auto in_progress = [&](const std::string& status) {
    return Compute(DeploymentJson(7, "", status), {rs}).facts->in_progress;
  };
  CHECK_FALSE(in_progress(R"("replicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "observedGeneration": 9)"));
  CHECK(in_progress(R"("replicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "observedGeneration": 8)"));
  CHECK(in_progress(R"("replicas": 3, "updatedReplicas": 2, "availableReplicas": 3, "observedGeneration": 9)"));
  CHECK(in_progress(R"("replicas": 4, "updatedReplicas": 3, "availableReplicas": 3, "observedGeneration": 9)"));
  CHECK(in_progress(R"("replicas": 3, "updatedReplicas": 3, "availableReplicas": 2, "observedGeneration": 9)"));
}

TEST_CASE("Kubernetes timestamps: RFC 3339 with Z, a fraction or an offset", "[rollout][facts]") {
  const WallTime base{std::chrono::seconds(1'800'000'000)};
  CHECK(ParseKubernetesTime("2027-01-15T08:00:00Z") == base);
  CHECK(ParseKubernetesTime("2027-01-15T08:00:00.250000Z") == base + std::chrono::milliseconds(250));
  CHECK(ParseKubernetesTime("2027-01-15T09:30:00+01:30") == base);
  CHECK(ParseKubernetesTime("2027-01-15T07:00:00-01:00") == base);
  for (const char* bad : {"", "2027-01-15", "2027-01-15T08:00:00", "2027-02-30T08:00:00Z", "2027-01-15T08:00:00+0100",
                          "2027-01-15 08:00:00Z", "2027-01-15T08:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(ParseKubernetesTime(bad));
  }
}
