#include "daemon/rules/rollout.hpp"

#include <ctime>

namespace runbookd::rules {

std::string ToString(const DeploymentRef& ref) { return ref.connection + "/" + ref.ns + "/" + ref.deployment; }

std::string_view ToString(BeganEvidence evidence) {
  switch (evidence) {
    case BeganEvidence::kObserved:
      return "observed";
    case BeganEvidence::kNewReplicaSet:
      return "new_replicaset";
    case BeganEvidence::kProgressing:
      return "progressing_condition";
    case BeganEvidence::kReusedReplicaSet:
      return "reused_replicaset";
  }
  return "unknown";
}

std::string Describe(const RolloutFacts& facts) {
  std::string out = "revision " + std::to_string(facts.revision);
  if (facts.previous_revision) out += " (previous " + std::to_string(*facts.previous_revision) + ")";
  out += " began " + FormatUtc(facts.began) + " (" + std::string(ToString(facts.began_evidence)) + ")";
  if (facts.in_progress) out += ", in progress";
  return out;
}

std::string FormatUtc(WallTime t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace runbookd::rules
