#pragma once

#include <boost/asio/awaitable.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/action.hpp"
#include "remediations/k8s_common/names.hpp"

// The steps of Plan and Execute that every Kubernetes action takes the same way, so that a
// failed call ends each of them alike (the mapping is in api_outcome.hpp).
namespace runbookd::remediations::k8s_common {

// A runnable plan of `type` for `target`.
ActionPlan NewPlan(std::string_view type, std::string target);

// NewPlan, already concluded kInvalidParams when `params` has a key not in `allowed` (the message
// is UnknownParamMessage's); callers return it when it is not runnable().
ActionPlan StartPlan(std::string_view type, std::string target, const ActionParams& params,
                     std::initializer_list<std::string_view> allowed);

// GET `path` for a plan: the reply, or nullopt once the failure has ended the plan (FailPlan).
boost::asio::awaitable<std::optional<k8s::Reply>> FetchForPlan(k8s::Client& client, const ActionContext& ctx,
                                                               std::string path, ActionPlan& plan);
// The same for the Deployment an action works on.
boost::asio::awaitable<std::optional<k8s::Reply>> FetchForPlan(k8s::Client& client, const ActionContext& ctx,
                                                               const DeploymentRef& deployment, ActionPlan& plan);

// PATCH `path` for a run: nullopt when it succeeded, else the Outcome that ends the run.
boost::asio::awaitable<std::optional<Outcome>> PatchForRun(k8s::Client& client, const ActionContext& ctx,
                                                           std::string path, k8s::PatchType type, std::string body);

// Execute for a plan that carries its whole change in details.patch: the objects it observed must
// be unchanged (VerifyUnchanged), then the patch goes to `path`. nullopt when it was applied, else
// the Outcome that ends the run.
boost::asio::awaitable<std::optional<Outcome>> ApplyPlannedPatch(k8s::Client& client, const ActionContext& ctx,
                                                                 const ActionPlan& plan, std::string path,
                                                                 k8s::PatchType type);

}  // namespace runbookd::remediations::k8s_common
