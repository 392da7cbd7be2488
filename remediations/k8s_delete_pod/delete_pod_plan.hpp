#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/action.hpp"

// Which pods `k8s_delete_pod` deletes and what each DELETE sends (protocol-facts §1.5). Pure.
namespace runbookd::remediations::k8s_delete_pod {

inline constexpr std::string_view kType = "k8s_delete_pod";

// The states a selector's pods are filtered by; "Any" keeps every pod.
const std::vector<std::string>& PodStates();

// One pod by name, or the pods of a label selector that are in `state` (at most max_pods).
struct PodQuery {
  std::string ns;
  std::string name;      // set: this pod
  std::string selector;  // else: a rendered label selector ("app=web,tier=api")
  std::string state = "CrashLoopBackOff";
  int64_t max_pods = 1;

  std::string Target() const;  // "production/pod/web-1" or "production/pods/app=web"
};

// Why `pod` is in `state`, e.g. `container "app" is waiting: CrashLoopBackOff`; nullopt when not.
// Container and init-container statuses are read, never the phase: a crash-looping pod's phase
// stays Running. CrashLoopBackOff, ImagePullBackOff, ErrImagePull: state.waiting.reason.
// OOMKilled, Error: state.terminated.reason or lastState.terminated.reason. NotReady: the Ready
// condition is not True. Any: always.
std::optional<std::string> MatchState(const boost::json::value& pod, std::string_view state);

// metadata.deletionTimestamp is set: the pod is already terminating.
bool IsBeingDeleted(const boost::json::value& pod);

// The DeleteOptions body: kubectl's {"propagationPolicy":"Background"} plus a UID precondition,
// so that the API server itself refuses to delete a pod that replaced the one the plan saw.
std::string DeleteBody(std::string_view uid);

// A pod named in the spec or a param, as read: the plan, or kNoop when it is already terminating.
ActionPlan PlanDeleteNamed(const PodQuery& query, const boost::json::value& pod);

// The pods a selector listed: those in the state, not terminating, sorted by name, the first
// max_pods of them; kNoop when none.
ActionPlan PlanDeleteSelected(const PodQuery& query, const boost::json::value& pod_list);

}  // namespace runbookd::remediations::k8s_delete_pod
