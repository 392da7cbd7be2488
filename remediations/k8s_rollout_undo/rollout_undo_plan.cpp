#include "remediations/k8s_rollout_undo/rollout_undo_plan.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <tuple>
#include <vector>

#include "daemon/clients/k8s/resources.hpp"
#include "remediations/k8s_common/api_outcome.hpp"
#include "remediations/k8s_common/unchanged.hpp"

namespace runbookd::remediations::k8s_rollout_undo {

namespace json = boost::json;
using k8s_common::Conclude;
using k8s_common::GoQuote;
using k8s_common::RevisionOf;

namespace {

constexpr std::string_view kHashLabel = "pod-template-hash";  // appsv1.DefaultDeploymentUniqueLabelKey

// kubectl's annotationsToSkip: bookkeeping that stays the Deployment's own.
constexpr std::string_view kSkippedAnnotations[] = {
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
};

bool IsSkipped(std::string_view key) {
  return std::find(std::begin(kSkippedAnnotations), std::end(kSkippedAnnotations), key) !=
         std::end(kSkippedAnnotations);
}

// The zero value of a Go field, as it shows in JSON: absent, null, [] or {} (of zero values).
bool IsZero(const json::value& v) {
  if (v.is_null()) return true;
  if (v.is_array()) return v.get_array().empty();
  if (v.is_object()) {
    return std::all_of(v.get_object().begin(), v.get_object().end(),
                       [](const json::key_value_pair& kv) { return IsZero(kv.value()); });
  }
  return false;
}

const json::value& Member(const json::object& o, std::string_view key) {
  static const json::value kNull;
  const auto* found = o.if_contains(key);
  return found ? *found : kNull;
}

const json::value& TemplateOf(const json::value& object) {
  static const json::value kNull;
  const auto* found = k8s::Find(object, {"spec", "template"});
  return found ? *found : kNull;
}

std::string Pluralised(const std::string& images) {
  if (images.empty()) return "no containers";
  return (images.find(", ") == std::string::npos ? "image " : "images ") + images;
}

}  // namespace

bool SemanticEqual(const json::value& a, const json::value& b) {
  if (IsZero(a) && IsZero(b)) return true;
  if (a.is_object() && b.is_object()) {
    for (const auto& kv : a.get_object()) {
      if (!SemanticEqual(kv.value(), Member(b.get_object(), kv.key()))) return false;
    }
    for (const auto& kv : b.get_object()) {
      if (!a.get_object().contains(kv.key()) && !IsZero(kv.value())) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SemanticEqual(x[i], y[i])) return false;
    }
    return true;
  }
  // Typed numbers compare by value whatever their JSON spelling (5 and 5.0).
  if (a.is_number() && b.is_number() && (a.is_double() || b.is_double())) {
    return a.to_number<double>() == b.to_number<double>();
  }
  return a == b;
}

json::value WithoutHashLabel(const json::value& pod_template) {
  json::value copy = pod_template;
  auto* metadata = copy.is_object() ? copy.get_object().if_contains("metadata") : nullptr;
  auto* labels = metadata && metadata->is_object() ? metadata->get_object().if_contains("labels") : nullptr;
  if (labels && labels->is_object()) {
    labels->get_object().erase(kHashLabel);
    if (labels->get_object().empty()) metadata->get_object().erase("labels");
  }
  return copy;
}

bool EqualIgnoreHash(const json::value& template1, const json::value& template2) {
  return SemanticEqual(WithoutHashLabel(template1), WithoutHashLabel(template2));
}

json::object RollbackAnnotations(const json::value& deployment, const json::value& replica_set) {
  std::map<std::string, json::value> merged;  // sorted, as Go marshals map[string]string
  if (const auto* own = k8s::Find(deployment, {"metadata", "annotations"}); own && own->is_object()) {
    for (const auto& kv : own->get_object()) {
      if (IsSkipped(kv.key())) merged[std::string(kv.key())] = kv.value();
    }
  }
  if (const auto* theirs = k8s::Find(replica_set, {"metadata", "annotations"}); theirs && theirs->is_object()) {
    for (const auto& kv : theirs->get_object()) {
      if (!IsSkipped(kv.key())) merged[std::string(kv.key())] = kv.value();
    }
  }
  json::object out;
  for (auto& [key, value] : merged) out.emplace(key, std::move(value));
  return out;
}

std::string RollbackPatch(const json::value& pod_template, const json::object& annotations) {
  const json::array ops{
      json::object{{"op", "replace"}, {"path", "/spec/template"}, {"value", pod_template}},
      json::object{{"op", "replace"}, {"path", "/metadata/annotations"}, {"value", annotations}},
  };
  return json::serialize(ops);
}

std::optional<std::string> ReplicaSetListPath(const UndoRequest& request, const json::value& deployment,
                                              std::string* error) {
  const auto* selector = k8s::Find(deployment, {"spec", "selector"});
  static const json::value kNull;
  auto rendered = k8s::RenderLabelSelector(selector ? *selector : kNull, error);
  if (!rendered) return std::nullopt;
  return k8s::ReplicaSetsPath(request.deployment.ns, *rendered);
}

Choice ChooseReplicaSet(const json::value& deployment, const json::value& replica_set_list, int64_t to_revision) {
  Choice choice;
  const std::string name = k8s::StringAt(deployment, {"metadata", "name"});
  const std::string not_found = "unable to find specified revision " + std::to_string(to_revision) + " in history";
  if (to_revision < 0) {
    choice.refusal = not_found;
    return choice;
  }
  // deploymentutil.GetAllReplicaSets: only those the Deployment controls; findNewReplicaSet sorts
  // them by creation time (then name) and the "new" one, the first whose template matches the
  // Deployment's, goes last. The order matters only for ties in revision, but it is kubectl's.
  const std::string uid = k8s::StringAt(deployment, {"metadata", "uid"});
  std::vector<const json::value*> owned;
  if (const auto* items = k8s::Find(replica_set_list, {"items"}); items && items->is_array()) {
    for (const auto& rs : items->get_array()) {
      if (k8s::IsControlledBy(rs, uid)) owned.push_back(&rs);
    }
  }
  const auto created_then_name = [](const json::value* rs) {
    return std::make_tuple(k8s::StringAt(*rs, {"metadata", "creationTimestamp"}),
                           k8s::StringAt(*rs, {"metadata", "name"}));
  };
  std::sort(owned.begin(), owned.end(),
            [&](const json::value* x, const json::value* y) { return created_then_name(x) < created_then_name(y); });
  const json::value& current = TemplateOf(deployment);
  const auto newest = std::find_if(owned.begin(), owned.end(),
                                   [&](const json::value* rs) { return EqualIgnoreHash(TemplateOf(*rs), current); });
  if (newest != owned.end()) std::rotate(newest, newest + 1, owned.end());

  // deploymentRevision, step for step.
  const json::value* latest = nullptr;
  const json::value* previous = nullptr;
  int64_t latest_revision = -1;
  int64_t previous_revision = -1;
  for (const json::value* rs : owned) {
    const auto revision = RevisionOf(*rs);
    if (!revision) continue;  // unparsable: kubectl skips it
    choice.latest_revision = std::max(choice.latest_revision, *revision);
    if (to_revision == 0) {
      if (latest_revision < *revision) {
        previous_revision = latest_revision;
        previous = latest;
        latest_revision = *revision;
        latest = rs;
      } else if (previous_revision < *revision) {
        previous_revision = *revision;
        previous = rs;
      }
    } else if (to_revision == *revision && choice.replica_set == nullptr) {
      choice.replica_set = rs;
      choice.revision = *revision;
    }
  }
  if (to_revision > 0) {
    if (choice.replica_set == nullptr) choice.refusal = not_found;
    return choice;
  }
  if (previous == nullptr) {
    choice.refusal = "no rollout history found for deployment " + GoQuote(name);
    return choice;
  }
  choice.replica_set = previous;
  choice.revision = previous_revision;
  return choice;
}

ActionPlan PlanUndo(const UndoRequest& request, const json::value& deployment, const json::value& replica_set_list) {
  ActionPlan plan;
  plan.type = std::string(kType);
  plan.target = request.deployment.Target();
  if (request.to_revision < 0) {  // kubectl refuses it before reading anything
    Conclude(plan, OutcomeReason::kRefused,
             "unable to find specified revision " + std::to_string(request.to_revision) + " in history");
    return plan;
  }
  const json::object deployment_identity = k8s::ObservedIdentity("Deployment", deployment);
  plan.observed.push_back(deployment_identity);

  const json::value& current_template = TemplateOf(deployment);
  if (!current_template.is_object()) {
    Conclude(plan, OutcomeReason::kApiError, "deployment " + request.deployment.Display() + " has no spec.template");
    return plan;
  }
  const Choice choice = ChooseReplicaSet(deployment, replica_set_list, request.to_revision);
  if (choice.replica_set == nullptr) {
    Conclude(plan, OutcomeReason::kRefused, choice.refusal);
    return plan;
  }
  const json::value& replica_set = *choice.replica_set;
  const json::object replica_set_identity = k8s::ObservedIdentity("ReplicaSet", replica_set);
  plan.observed.push_back(replica_set_identity);

  if (const auto* paused = k8s::Find(deployment, {"spec", "paused"});
      paused && paused->is_bool() && paused->get_bool()) {
    Conclude(plan, OutcomeReason::kRefused,
             "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
    return plan;
  }
  const json::value& wanted_template = TemplateOf(replica_set);
  if (!wanted_template.is_object()) {
    Conclude(plan, OutcomeReason::kApiError,
             "replicaset " + request.deployment.ns + "/" + k8s::StringAt(replica_set, {"metadata", "name"}) +
                 " has no spec.template");
    return plan;
  }
  // kubectl prints its --to-revision argument here (0 by default); the chosen revision says more.
  if (EqualIgnoreHash(wanted_template, current_template)) {
    Conclude(plan, OutcomeReason::kNoop,
             "skipped rollback (current template already matches revision " + std::to_string(choice.revision) + ")");
    return plan;
  }

  const std::string patch =
      RollbackPatch(WithoutHashLabel(wanted_template), RollbackAnnotations(deployment, replica_set));
  int64_t from_revision = RevisionOf(deployment).value_or(0);
  if (from_revision <= 0) from_revision = choice.latest_revision;

  plan.summary = "roll back " + request.deployment.Display() + " from revision " + std::to_string(from_revision) +
                 " (" + Pluralised(k8s_common::ImagesOf(current_template)) + ") to revision " +
                 std::to_string(choice.revision) + " (" + Pluralised(k8s_common::ImagesOf(wanted_template)) + ")";
  plan.steps = {k8s_common::VerifyStep(deployment_identity), k8s_common::VerifyStep(replica_set_identity),
                "PATCH " + k8s::DeploymentPath(request.deployment.ns, request.deployment.name) +
                    " (application/json-patch+json)"};
  plan.details = json::object{
      {"replica_set", k8s::StringAt(replica_set, {"metadata", "name"})},
      {"from_revision", from_revision},
      {"to_revision", choice.revision},
      {"content_type", "application/json-patch+json"},
      {"patch", patch},
  };
  return plan;
}

}  // namespace runbookd::remediations::k8s_rollout_undo
