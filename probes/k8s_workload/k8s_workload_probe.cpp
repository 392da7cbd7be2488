#include "probes/k8s_workload/k8s_workload_probe.hpp"

#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_common/k8s_probe.hpp"
#include "probes/k8s_workload/workload_assessment.hpp"

namespace runbookd::probes::k8s_workload {

namespace {

namespace common = k8s_common;

WorkloadSpec ReadSpec(const config::Node& spec) {
  WorkloadSpec out;
  out.ns = common::ReadObjectName(spec["namespace"]);
  out.deployment = common::ReadObjectName(spec.Required("deployment"));
  if (const config::Node min = spec["min_available"]; min.defined()) out.min_available = min.AsInt(0, 0);
  out.max_restarts = spec["max_restarts"].AsInt(5, 1);
  const config::Node window = spec["window"];
  out.window = window.AsDuration(out.window);
  if (window.defined() && out.window.count() <= 0) window.Error("must be longer than 0");
  return out;
}

boost::asio::awaitable<void> Check(common::Attempt<WorkloadSpec> run, ProbeResult& result) {
  const std::string ns = run.Namespace();
  const std::string object = "deployment " + common::Qualified(ns, run.spec.deployment);

  std::string deployment_path = k8s::DeploymentPath(ns, run.spec.deployment);
  const std::optional<k8s::Reply> deployment =
      co_await run.Fetch(std::move(deployment_path), common::NotFoundMeans::kCheckedObjectMissing, object, result);
  if (!deployment) co_return;

  // The pods are those of the Deployment's own selector (what `kubectl get pods -l` shows).
  const boost::json::value* selector = k8s::Find(deployment->body, {"spec", "selector"});
  std::string error;
  const std::optional<std::string> rendered =
      selector ? k8s::RenderLabelSelector(*selector, &error) : std::optional<std::string>();
  if (!rendered || rendered->empty()) {
    // An empty selector would list every pod of the namespace.
    result = common::UnusableAnswer(object + " has no usable selector" + (error.empty() ? "" : ": " + error));
    co_return;
  }
  std::string pods_path = k8s::PodsPath(ns, *rendered);
  const std::string pods_object = "pods of " + object;
  const std::optional<k8s::Reply> pods =
      co_await run.Fetch(std::move(pods_path), common::NotFoundMeans::kApiError, pods_object, result);
  if (!pods) co_return;
  result = AssessWorkload(deployment->body, pods->body, run.clock.WallNow(), run.spec);
}

}  // namespace

ProbeFactory MakeProbeFactory() { return common::MakeFactory("k8s_workload", "\"deployment\"", ReadSpec, Check); }

}  // namespace runbookd::probes::k8s_workload
