#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "daemon/core/action.hpp"
#include "daemon/core/clock.hpp"
#include "remediations/k8s_common/names.hpp"

// What `kubectl rollout restart deployment/X` decides and sends (protocol-facts §1.3, kubectl
// pkg/polymorphichelpers/objectrestarter.go). Pure.
namespace runbookd::remediations::k8s_rollout_restart {

inline constexpr std::string_view kType = "k8s_rollout_restart";
inline constexpr std::string_view kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
inline constexpr std::string_view kFieldManager = "kubectl-rollout";

// Go's time.Now().Format(time.RFC3339) in UTC: seconds precision (truncated), "Z".
std::string FormatRfc3339Utc(WallTime time);

// The strategic merge patch kubectl sends:
//   {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"<restarted_at>"}}}}}
std::string RestartPatch(std::string_view restarted_at);

// The PATCH path: the Deployment's, with ?fieldManager=kubectl-rollout.
std::string RestartPath(const k8s_common::DeploymentRef& deployment);

// The template already carries this restartedAt value: kubectl's patch would be empty ("already
// been triggered within the past second"), so there is nothing to do.
bool AlreadyRestartedAt(const boost::json::value& deployment, std::string_view restarted_at);

// From the Deployment as read: the runnable plan, or kubectl's refusal of a paused Deployment. The
// timestamp is chosen at Execute, so the details hold the patch's shape with a placeholder and the
// plan (and its hash) does not depend on when it was made.
ActionPlan PlanRestart(const k8s_common::DeploymentRef& ref, const boost::json::value& deployment);

}  // namespace runbookd::remediations::k8s_rollout_restart
