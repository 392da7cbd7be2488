#include "remediations/k8s_common/unchanged.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"

namespace runbookd::remediations::k8s_common {

namespace {

std::string Field(const boost::json::object& identity, std::string_view key) {
  const auto* v = identity.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::optional<std::string> ObservedPath(const boost::json::object& identity) {
  const std::string kind = Field(identity, "kind");
  const std::string ns = Field(identity, "namespace");
  const std::string name = Field(identity, "name");
  if (kind == "Deployment") return k8s::DeploymentPath(ns, name);
  if (kind == "Pod") return k8s::PodPath(ns, name);
  // resources.hpp has no single-ReplicaSet path; this is the apps/v1 one.
  if (kind == "ReplicaSet") return "/apis/apps/v1/namespaces/" + ns + "/replicasets/" + name;
  return std::nullopt;
}

std::string Describe(const boost::json::object& identity) {
  std::string kind = Field(identity, "kind");
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  return kind + " " + Field(identity, "namespace") + "/" + Field(identity, "name");
}

std::optional<std::string> DescribeChange(const boost::json::object& identity, const boost::json::value& current) {
  const std::string planned_uid = Field(identity, "uid");
  const std::string current_uid = k8s::StringAt(current, {"metadata", "uid"});
  if (planned_uid != current_uid) {
    return Describe(identity) + " was replaced since the plan (uid " + planned_uid + " → " + current_uid +
           "); plan again";
  }
  if (Field(identity, "kind") == "Pod") return std::nullopt;
  const std::string planned_version = Field(identity, "resourceVersion");
  const std::string current_version = k8s::StringAt(current, {"metadata", "resourceVersion"});
  if (planned_version != current_version) {
    return Describe(identity) + " changed since the plan (resourceVersion " + planned_version + " → " +
           current_version + "); plan again";
  }
  return std::nullopt;
}

std::string VerifyStep(const boost::json::object& identity) {
  return "GET " + ObservedPath(identity).value_or("?") + " (unchanged since the plan?)";
}

boost::asio::awaitable<std::optional<Outcome>> VerifyUnchanged(k8s::Client& client, const ActionContext& ctx,
                                                               const boost::json::array& observed,
                                                               std::vector<boost::json::value>* current) {
  // A plan that observed nothing would bind the write to nothing: refuse rather than act unbound.
  if (observed.empty()) co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: it observed nothing");
  for (const auto& entry : observed) {
    if (!entry.is_object()) co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: observed entry");
    const boost::json::object& identity = entry.get_object();
    std::optional<std::string> path = ObservedPath(identity);
    if (!path) co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: " + Describe(identity));
    std::string request_path = std::move(*path);
    k8s::Reply reply = co_await client.Get(ctx.executor, std::move(request_path), ctx.deadline);
    if (reply.error.kind == k8s::ErrorKind::kNotFound) {
      co_return Outcome::Fail(OutcomeReason::kNotFound, Describe(identity) + " was deleted since the plan");
    }
    if (!reply.ok()) co_return FailureOutcome(reply.error);
    if (auto change = DescribeChange(identity, reply.body)) {
      co_return Outcome::Fail(OutcomeReason::kConflict, std::move(*change));
    }
    if (current) current->push_back(std::move(reply.body));
  }
  co_return std::nullopt;
}

}  // namespace runbookd::remediations::k8s_common
