#include "daemon/engine/rollout_facts.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "daemon/clients/k8s/resources.hpp"

namespace runbookd {

namespace {

constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
constexpr std::string_view kRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";

// The deployment controller's reasons for a Progressing condition about one ReplicaSet's rollout
// (k8s.io/kubernetes/pkg/controller/deployment/util). Others (ProgressDeadlineExceeded,
// DeploymentPaused, ...) say nothing about when a revision began.
constexpr std::string_view kRolloutReasons[] = {"NewReplicaSetCreated", "FoundNewReplicaSet", "ReplicaSetUpdated",
                                                "NewReplicaSetAvailable"};

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> RevisionOf(const boost::json::value& obj) {
  return ParseInt(k8s::StringAt(obj, {"metadata", "annotations", kRevisionAnnotation}));
}

// `count` decimal digits at text[at], or -1.
int Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// lastUpdateTime of the Progressing condition when it is about `replicaset` (its message quotes
// the ReplicaSet's name) for one of kRolloutReasons.
std::optional<WallTime> ProgressingTime(const boost::json::value& deployment, const std::string& replicaset) {
  const auto* conditions = k8s::Find(deployment, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return std::nullopt;
  for (const auto& condition : conditions->get_array()) {
    if (k8s::StringAt(condition, {"type"}) != "Progressing") continue;
    const std::string reason = k8s::StringAt(condition, {"reason"});
    if (std::find(std::begin(kRolloutReasons), std::end(kRolloutReasons), reason) == std::end(kRolloutReasons)) {
      return std::nullopt;
    }
    if (k8s::StringAt(condition, {"message"}).find("\"" + replicaset + "\"") == std::string::npos) return std::nullopt;
    return ParseKubernetesTime(k8s::StringAt(condition, {"lastUpdateTime"}));
  }
  return std::nullopt;
}

// Not complete, by kubectl rollout status' criteria.
bool InProgress(const boost::json::value& deployment) {
  const auto generation = k8s::IntAt(deployment, {"metadata", "generation"});
  const auto observed = k8s::IntAt(deployment, {"status", "observedGeneration"});
  if (generation && (!observed || *observed < *generation)) return true;
  const int64_t wanted = k8s::IntAt(deployment, {"spec", "replicas"}).value_or(1);
  const int64_t replicas = k8s::IntAt(deployment, {"status", "replicas"}).value_or(0);
  const int64_t updated = k8s::IntAt(deployment, {"status", "updatedReplicas"}).value_or(0);
  const int64_t available = k8s::IntAt(deployment, {"status", "availableReplicas"}).value_or(0);
  return updated < wanted || replicas > updated || available < updated;
}

}  // namespace

std::optional<WallTime> ParseKubernetesTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::chrono::nanoseconds since_epoch = std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour) +
                                         std::chrono::minutes(minute) + std::chrono::seconds(second);
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    int64_t scale = 100'000'000;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      since_epoch += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
    }
  }
  if (at == text.size() - 1 && (text[at] == 'Z' || text[at] == 'z')) {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(since_epoch));
  }
  const int offset_hours = Digits(text, at + 1, 2), offset_minutes = Digits(text, at + 4, 2);
  if (at + 6 != text.size() || (text[at] != '+' && text[at] != '-') || offset_hours < 0 || offset_minutes < 0 ||
      text[at + 3] != ':') {
    return std::nullopt;
  }
  const auto offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
  since_epoch += text[at] == '+' ? -offset : offset;
  return WallTime(std::chrono::duration_cast<WallTime::duration>(since_epoch));
}

ComputedRollout ComputeRolloutFacts(const boost::json::value& deployment, const boost::json::array& replicasets) {
  ComputedRollout out;
  out.deployment_uid = k8s::StringAt(deployment, {"metadata", "uid"});
  if (out.deployment_uid.empty()) {
    out.why = "the Deployment has no metadata.uid";
    return out;
  }
  const std::optional<int64_t> revision = RevisionOf(deployment);
  if (!revision) {
    out.why = "the Deployment has no " + std::string(kRevisionAnnotation) + " annotation yet";
    return out;
  }

  const boost::json::value* current = nullptr;
  std::optional<int64_t> previous;
  for (const auto& rs : replicasets) {
    if (!k8s::IsControlledBy(rs, out.deployment_uid)) continue;
    const std::optional<int64_t> rs_revision = RevisionOf(rs);
    if (!rs_revision) continue;
    if (*rs_revision == *revision) {
      current = &rs;
    } else if (*rs_revision < *revision && (!previous || *rs_revision > *previous)) {
      previous = rs_revision;
    }
  }
  if (current == nullptr) {
    out.why = "no ReplicaSet of the Deployment has revision " + std::to_string(*revision);
    return out;
  }

  const std::string name = k8s::StringAt(*current, {"metadata", "name"});
  const std::optional<WallTime> created =
      ParseKubernetesTime(k8s::StringAt(*current, {"metadata", "creationTimestamp"}));
  const bool reused = !k8s::StringAt(*current, {"metadata", "annotations", kRevisionHistoryAnnotation}).empty();
  const std::optional<WallTime> progressing = ProgressingTime(deployment, name);

  rules::RolloutFacts facts;
  facts.revision = *revision;
  facts.previous_revision = previous;
  facts.in_progress = InProgress(deployment);
  if (created && !reused) {
    facts.began = *created;
    facts.began_evidence = rules::BeganEvidence::kNewReplicaSet;
  } else if (progressing) {
    facts.began = created ? std::max(*created, *progressing) : *progressing;
    facts.began_evidence = rules::BeganEvidence::kProgressing;
  } else if (created) {
    facts.began = *created;
    facts.began_evidence = rules::BeganEvidence::kReusedReplicaSet;
  } else {
    out.why = "ReplicaSet " + name + " has no valid creationTimestamp";
    return out;
  }
  out.facts = facts;
  return out;
}

}  // namespace runbookd
