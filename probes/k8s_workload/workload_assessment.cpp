#include "probes/k8s_workload/workload_assessment.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"

namespace runbookd::probes::k8s_workload {

namespace {

using namespace k8s_common::reading;

constexpr std::size_t kMaxPodsListed = 5;
constexpr std::size_t kMaxMessage = 150;

bool IsImagePullReason(std::string_view reason) {
  return reason == "ImagePullBackOff" || reason == "ErrImagePull" || reason == "InvalidImageName" ||
         reason == "ErrImageNeverPull";
}

// Waiting reasons where the container cannot even be created or started (a missing Secret or
// ConfigMap, a bad command): the container's own error, though it never ran.
bool IsContainerCreateError(std::string_view reason) {
  return reason == "CreateContainerConfigError" || reason == "CreateContainerError" || reason == "RunContainerError";
}

// What was found, per container and summed up per pod. The order of the members is the order
// of the probe's reasons.
struct Findings {
  bool crash_loop = false;
  bool image_pull = false;
  bool oom_killed = false;
  bool container_error = false;

  bool any() const { return crash_loop || image_pull || oom_killed || container_error; }
  void Add(const Findings& other) {
    crash_loop = crash_loop || other.crash_loop;
    image_pull = image_pull || other.image_pull;
    oom_killed = oom_killed || other.oom_killed;
    container_error = container_error || other.container_error;
  }
  // 0 is the most urgent; 4 means nothing found.
  int rank() const { return crash_loop ? 0 : image_pull ? 1 : oom_killed ? 2 : container_error ? 3 : 4; }
};

struct PodReport {
  std::string name;
  Findings findings;
  std::vector<std::string> problems;  // "container app: CrashLoopBackOff (...)"
  int64_t restarts = 0;
};

// "OOMKilled" or "Error code 1" for a ContainerStateTerminated.
std::string DescribeExit(const json::value& terminated) {
  const std::string reason = StringAt(terminated, {"reason"});
  if (reason == "OOMKilled") return reason;
  const auto code = IntAt(terminated, {"exitCode"});
  std::string out = reason;
  if (code) out += (out.empty() ? "code " : " code ") + std::to_string(*code);
  return out.empty() ? "unknown" : out;
}

// The findings of one container status, and a line for the detail when there is any.
Findings InspectContainer(const json::value& status, bool init, bool pod_ending, WallTime now, const WorkloadSpec& spec,
                          PodReport& pod) {
  const int64_t restarts = IntAt(status, {"restartCount"}).value_or(0);
  pod.restarts += restarts;
  const std::string waiting = StringAt(status, {"state", "waiting", "reason"});
  const json::value* terminated = Find(status, {"state", "terminated"});
  const json::value* last = Find(status, {"lastState", "terminated"});
  const std::string terminated_reason = terminated ? StringAt(*terminated, {"reason"}) : "";
  const std::string last_reason = last ? StringAt(*last, {"reason"}) : "";
  // How long ago the last termination ended; a time in the future is clock skew: it is recent.
  std::optional<std::chrono::nanoseconds> last_age;
  if (last) {
    if (auto finished = common::ParseTime(StringAt(*last, {"finishedAt"}))) last_age = now - *finished;
  }
  const bool last_recent = last_age && *last_age <= spec.window;

  Findings found;
  found.crash_loop = waiting == "CrashLoopBackOff";
  found.image_pull = IsImagePullReason(waiting);
  // The current termination of a pod being deleted (or one that has ended) is not a failure:
  // during a rolling update the old pods exit on SIGTERM with reason Error.
  found.oom_killed = (!pod_ending && terminated_reason == "OOMKilled") || (last_reason == "OOMKilled" && last_recent);
  found.container_error = (!pod_ending && terminated_reason == "Error") || IsContainerCreateError(waiting) ||
                          (restarts >= spec.max_restarts && last_recent);
  if (!found.any()) return found;

  std::string state;
  if (!waiting.empty()) {
    state = waiting;
    const std::string message = StringAt(status, {"state", "waiting", "message"});
    if (!found.crash_loop && !message.empty()) state += ": " + common::OneLine(message, kMaxMessage);
  } else if (terminated) {
    state = "terminated " + DescribeExit(*terminated);
  } else if (Find(status, {"state", "running"})) {
    state = "running";
  } else {
    state = "state unknown";
  }
  std::vector<std::string> extras;
  if (restarts > 0) extras.push_back(std::to_string(restarts) + (restarts == 1 ? " restart" : " restarts"));
  if (last) {
    std::string exit = "last exit " + DescribeExit(*last);
    if (last_age) exit += " " + common::FormatAge(*last_age) + " ago";
    extras.push_back(std::move(exit));
  }
  std::string line = std::string(init ? "init container " : "container ") + StringAt(status, {"name"}) + ": " + state;
  for (std::size_t i = 0; i < extras.size(); ++i) line += (i == 0 ? " (" : ", ") + extras[i];
  if (!extras.empty()) line += ")";
  pod.problems.push_back(std::move(line));
  return found;
}

// A Pending pod that the scheduler could not place: "Pending: Unschedulable: 0/3 nodes ...".
void InspectScheduling(const json::value& pod, PodReport& report) {
  if (StringAt(pod, {"status", "phase"}) != "Pending") return;
  const json::value* conditions = Find(pod, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return;
  for (const auto& condition : conditions->get_array()) {
    if (StringAt(condition, {"type"}) == "PodScheduled" && StringAt(condition, {"status"}) == "False") {
      const std::string reason = StringAt(condition, {"reason"});
      report.problems.push_back("Pending: " + (reason.empty() ? std::string("not scheduled") : reason) + ": " +
                                common::OneLine(StringAt(condition, {"message"}), kMaxMessage));
    }
  }
}

PodReport InspectPod(const json::value& pod, WallTime now, const WorkloadSpec& spec) {
  PodReport report;
  report.name = StringAt(pod, {"metadata", "name"});
  const std::string phase = StringAt(pod, {"status", "phase"});
  const bool ending =
      Find(pod, {"metadata", "deletionTimestamp"}) != nullptr || phase == "Succeeded" || phase == "Failed";
  for (const auto& [key, init] : {std::pair{"initContainerStatuses", true}, std::pair{"containerStatuses", false}}) {
    const json::value* statuses = Find(pod, {"status", key});
    if (statuses == nullptr || !statuses->is_array()) continue;
    for (const auto& status : statuses->get_array()) {
      report.findings.Add(InspectContainer(status, init, ending, now, spec, report));
    }
  }
  InspectScheduling(pod, report);
  return report;
}

// The condition of `type` whose status is `status`, or nullptr.
const json::value* ConditionWith(const json::value& deployment, std::string_view type, std::string_view status) {
  const json::value* conditions = Find(deployment, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const auto& condition : conditions->get_array()) {
    if (StringAt(condition, {"type"}) == type && StringAt(condition, {"status"}) == status) return &condition;
  }
  return nullptr;
}

std::string ReasonAndMessage(const json::value& condition) {
  return StringAt(condition, {"reason"}) + ": " + common::OneLine(StringAt(condition, {"message"}), kMaxMessage);
}

}  // namespace

ProbeResult AssessWorkload(const json::value& deployment, const json::value& pod_list, WallTime now,
                           const WorkloadSpec& spec) {
  if (!deployment.is_object()) return common::UnusableAnswer("the Deployment is not an object");
  const json::array* pods = common::ItemsOf(pod_list);
  if (pods == nullptr) return common::UnusableAnswer("the pod list has no items array");

  const int64_t desired = IntAt(deployment, {"spec", "replicas"}).value_or(1);  // the API's default
  const int64_t available = IntAt(deployment, {"status", "availableReplicas"}).value_or(0);
  const int64_t updated = IntAt(deployment, {"status", "updatedReplicas"}).value_or(0);
  const int64_t unavailable = IntAt(deployment, {"status", "unavailableReplicas"}).value_or(0);
  const int64_t min_available = spec.min_available.value_or(desired);
  const std::string revision = StringAt(deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"});

  std::vector<PodReport> reports;
  int64_t crash_loop = 0, image_pull = 0, oom_killed = 0, container_error = 0, restarts = 0;
  for (const auto& pod : *pods) {
    PodReport report = InspectPod(pod, now, spec);
    crash_loop += report.findings.crash_loop;
    image_pull += report.findings.image_pull;
    oom_killed += report.findings.oom_killed;
    container_error += report.findings.container_error;
    restarts += report.restarts;
    if (!report.problems.empty()) reports.push_back(std::move(report));
  }
  std::stable_sort(reports.begin(), reports.end(),
                   [](const PodReport& a, const PodReport& b) { return a.findings.rank() < b.findings.rank(); });

  ProbeResult result;
  result.Observe("replicas_desired", static_cast<double>(desired));
  result.Observe("replicas_available", static_cast<double>(available));
  result.Observe("replicas_updated", static_cast<double>(updated));
  result.Observe("replicas_unavailable", static_cast<double>(unavailable));
  result.Observe("pods_total", static_cast<double>(pods->size()));
  result.Observe("pods_crash_loop", static_cast<double>(crash_loop));
  result.Observe("pods_image_pull", static_cast<double>(image_pull));
  result.Observe("pods_oom_killed", static_cast<double>(oom_killed));
  result.Observe("pods_container_error", static_cast<double>(container_error));
  result.Observe("container_restarts", static_cast<double>(restarts));
  if (!revision.empty()) {
    char* end = nullptr;
    const double value = std::strtod(revision.c_str(), &end);
    if (end != nullptr && *end == '\0') result.Observe("deployment_revision", value);
  }

  const json::value* progress_deadline = ConditionWith(deployment, "Progressing", "False");
  if (progress_deadline && StringAt(*progress_deadline, {"reason"}) != "ProgressDeadlineExceeded") {
    progress_deadline = nullptr;
  }

  // "deployment production/web (revision 7): 1/3 replicas available, 2/3 updated; ..."
  std::string detail = "deployment " + common::Qualified(StringAt(deployment, {"metadata", "namespace"}),
                                                         StringAt(deployment, {"metadata", "name"}));
  if (!revision.empty()) detail += " (revision " + revision + ")";
  if (desired == 0 && min_available == 0) {
    detail += ": scaled to 0";
  } else {
    detail += ": " + std::to_string(available) + "/" + std::to_string(desired) + " replicas available";
    if (min_available != desired) detail += " (min " + std::to_string(min_available) + ")";
    if (updated < desired) detail += ", " + std::to_string(updated) + "/" + std::to_string(desired) + " updated";
  }
  if (progress_deadline) detail += "; rollout stuck: " + ReasonAndMessage(*progress_deadline);
  if (const json::value* failure = ConditionWith(deployment, "ReplicaFailure", "True")) {
    detail += "; ReplicaFailure " + ReasonAndMessage(*failure);
  }
  if (pods->empty() && desired > 0) detail += "; no pods";
  for (std::size_t i = 0; i < reports.size() && i < kMaxPodsListed; ++i) {
    detail += "; pod " + reports[i].name + " ";
    for (std::size_t j = 0; j < reports[i].problems.size(); ++j)
      detail += (j == 0 ? "" : ", ") + reports[i].problems[j];
  }
  if (reports.size() > kMaxPodsListed) {
    detail += "; +" + std::to_string(reports.size() - kMaxPodsListed) + " more pods with problems";
  }

  std::optional<ProbeReason> reason;
  if (progress_deadline) {
    reason = ProbeReason::kProgressDeadline;
  } else if (crash_loop > 0) {
    reason = ProbeReason::kCrashLoop;
  } else if (image_pull > 0) {
    reason = ProbeReason::kImagePull;
  } else if (oom_killed > 0) {
    reason = ProbeReason::kOomKilled;
  } else if (container_error > 0) {
    reason = ProbeReason::kContainerError;
  } else if (available < min_available) {
    reason = ProbeReason::kReplicasUnavailable;
  }
  if (reason) {
    result.Conclude(ProbeStatus::kUnhealthy, *reason, detail);
  } else {
    result.Conclude(ProbeStatus::kHealthy, ProbeReason::kOk, detail);
  }
  return result;
}

}  // namespace runbookd::probes::k8s_workload
