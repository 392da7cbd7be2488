#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/action.hpp"

// Execute binds to what Plan saw: each object in ActionPlan::observed ({kind, namespace, name,
// uid, resourceVersion}, see k8s::ObservedIdentity) is read again and must be the same object in
// the same version, else the run ends with kConflict and the core plans again.
namespace runbookd::remediations::k8s_common {

// The REST path of an observed object (kinds Deployment, ReplicaSet, Pod); nullopt for others.
std::optional<std::string> ObservedPath(const boost::json::object& identity);

// "deployment production/web" for messages.
std::string Describe(const boost::json::object& identity);

// Compares an object read now with its identity in the plan: nullopt when it is the same object
// in the same version, else the conflict detail, e.g.
//   deployment production/web changed since the plan (resourceVersion 1234 → 1240); plan again
// Pods are compared by UID only: a pod's resourceVersion changes with every status update
// (readiness, restarts), which says nothing about whether it is still the pod the plan chose.
std::optional<std::string> DescribeChange(const boost::json::object& identity, const boost::json::value& current);

// Reads every observed object again (GET each, in order). nullopt when all are unchanged, else the
// Outcome that ends the run: kConflict for a changed or replaced object, kNotFound for one deleted
// since the plan, or the mapping of another API failure. When `current` is given, it receives the
// objects read, in the order of `observed`.
boost::asio::awaitable<std::optional<Outcome>> VerifyUnchanged(k8s::Client& client, const ActionContext& ctx,
                                                               const boost::json::array& observed,
                                                               std::vector<boost::json::value>* current = nullptr);

// The GET step a plan lists for that check: "GET PATH (unchanged since the plan?)".
std::string VerifyStep(const boost::json::object& identity);

}  // namespace runbookd::remediations::k8s_common
