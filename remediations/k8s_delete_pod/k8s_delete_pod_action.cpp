#include "remediations/k8s_delete_pod/k8s_delete_pod_action.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/factory.hpp"
#include "remediations/k8s_common/names.hpp"
#include "remediations/k8s_common/steps.hpp"
#include "remediations/k8s_common/unchanged.hpp"
#include "remediations/k8s_delete_pod/delete_pod_plan.hpp"

namespace runbookd::remediations::k8s_delete_pod {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace k8s_common;

namespace {

std::string Field(const json::value& v, std::string_view key) {
  const auto* found = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

std::string List(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

json::array Strings(const std::vector<std::string>& names) {
  json::array out;
  for (const auto& n : names) out.emplace_back(n);
  return out;
}

class DeletePodAction final : public Action {
 public:
  DeletePodAction(std::shared_ptr<k8s::Client> client, PodQuery query)
      : client_(std::move(client)), query_(std::move(query)) {}

  ActionRisk risk() const override { return ActionRisk::kDestructive; }

  asio::awaitable<ActionPlan> Plan(const ActionContext& ctx, const ActionParams& params) const override {
    PodQuery query = query_;
    ActionPlan plan = StartPlan(kType, query.Target(), params, {"name"});
    if (!plan.runnable()) co_return plan;
    if (auto it = params.find("name"); it != params.end()) {
      if (!IsObjectName(it->second)) {
        Conclude(plan, OutcomeReason::kInvalidParams, "param name: not a valid pod name: " + GoQuote(it->second));
        co_return plan;
      }
      query.name = it->second;
      plan.target = query.Target();
    }
    if (!query.name.empty()) {
      std::string path = k8s::PodPath(query.ns, query.name);
      std::optional<k8s::Reply> pod = co_await FetchForPlan(*client_, ctx, std::move(path), plan);
      if (!pod) co_return plan;
      co_return PlanDeleteNamed(query, pod->body);
    }
    std::string path = k8s::PodsPath(query.ns, query.selector);
    std::optional<k8s::Reply> pods = co_await FetchForPlan(*client_, ctx, std::move(path), plan);
    if (!pods) co_return plan;
    co_return PlanDeleteSelected(query, pods->body);
  }

  asio::awaitable<Outcome> Execute(const ActionContext& ctx, const ActionPlan& plan) const override {
    std::vector<std::string> deleted;
    std::vector<std::string> already_gone;
    // First every pod, then any deletion: a replaced pod stops the whole plan before it acts.
    std::vector<const json::object*> present;
    for (const auto& entry : plan.observed) {
      if (!entry.is_object()) co_return Outcome::Fail(OutcomeReason::kInternalError, "malformed plan: observed");
      const json::object& identity = entry.get_object();
      std::string path = k8s::PodPath(query_.ns, Field(identity, "name"));
      k8s::Reply pod = co_await client_->Get(ctx.executor, std::move(path), ctx.deadline);
      if (pod.error.kind == k8s::ErrorKind::kNotFound) {
        already_gone.push_back(Field(identity, "name"));
        continue;
      }
      if (!pod.ok()) co_return FailureOutcome(pod.error);
      // Pods are compared by UID only (see DescribeChange): their resourceVersion moves with every
      // status update.
      if (auto change = DescribeChange(identity, pod.body)) {
        co_return Outcome::Fail(OutcomeReason::kConflict, std::move(*change));
      }
      present.push_back(&identity);
    }
    for (const json::object* identity : present) {
      const std::string name = Field(*identity, "name");
      std::string path = k8s::PodPath(query_.ns, name);
      std::string body = DeleteBody(Field(*identity, "uid"));
      k8s::Reply reply = co_await client_->Delete(ctx.executor, std::move(path), std::move(body), ctx.deadline);
      if (reply.error.kind == k8s::ErrorKind::kNotFound) {
        already_gone.push_back(name);
        continue;
      }
      if (!reply.ok()) {
        // A 409 here is the UID precondition: the name now belongs to a new pod.
        Outcome failed = FailureOutcome(reply.error);
        failed.data = {{"deleted", Strings(deleted)}, {"already_gone", Strings(already_gone)}};
        co_return failed;
      }
      deleted.push_back(name);
    }
    json::object data{{"deleted", Strings(deleted)}, {"already_gone", Strings(already_gone)}};
    std::string detail;
    if (!deleted.empty()) {
      detail = (deleted.size() == 1 ? "deleted pod " : "deleted pods ") + query_.ns + "/" + List(deleted);
      if (!already_gone.empty()) detail += "; already gone: " + List(already_gone);
      co_return Outcome::Ok(std::move(detail), std::move(data));
    }
    co_return Outcome{.ok = true,
                      .reason = OutcomeReason::kNoop,
                      .detail = "already gone: " + query_.ns + "/" + List(already_gone),
                      .data = std::move(data)};
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  PodQuery query_;
};

// `selector`: a map of labels (rendered as matchLabels are) or a label-selector string.
std::string ReadSelector(const config::Node& node) {
  std::string selector;
  if (node.is_map()) {
    json::object labels;
    for (const auto& [key, value] : node.AsStringMap()) labels[key] = value;
    std::string error;
    selector = k8s::RenderLabelSelector(json::object{{"matchLabels", std::move(labels)}}, &error).value_or("");
  } else {
    selector = node.AsString();
  }
  // An empty selector would match every pod of the namespace.
  if (selector.empty()) node.Error("selector must not be empty (a map of labels or a label-selector string)");
  return selector;
}

PodQuery ReadQuery(const config::Node& spec) {
  PodQuery query;
  query.ns = ReadNamespaceKey(spec);
  query.name = ReadObjectName(spec, "name", false);
  const config::Node selector = spec["selector"];
  const config::Node state = spec["state"];
  const config::Node max_pods = spec["max_pods"];
  if (spec["name"].defined() && selector.defined()) {
    spec.Error("give either name (one pod) or selector (pods in a state), not both");
  } else if (!spec["name"].defined() && !selector.defined()) {
    spec.Error("give name (one pod) or selector (pods in a state)");
  } else if (selector.defined()) {
    query.selector = ReadSelector(selector);
    query.state = state.AsEnum(PodStates(), "CrashLoopBackOff");
    query.max_pods = max_pods.AsInt(1, 1, 1000);
  } else {
    if (state.defined()) state.Error("state applies to selector, not to a named pod");
    if (max_pods.defined()) max_pods.Error("max_pods applies to selector, not to a named pod");
  }
  return query;
}

}  // namespace

ActionFactory MakeActionFactory() {
  return MakeFactory(kType, "\"name\" or \"selector\"", ReadQuery, [](PodQuery query, const ActionDeps& deps) {
    query.ns = ResolveNamespace(query.ns, deps);
    return std::make_unique<DeletePodAction>(deps.kubernetes, std::move(query));
  });
}

}  // namespace runbookd::remediations::k8s_delete_pod
