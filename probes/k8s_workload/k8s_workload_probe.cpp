#include "probes/k8s_workload/k8s_workload_probe.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_workload/workload_assessment.hpp"

namespace runbookd::probes::k8s_workload {

namespace {

namespace asio = boost::asio;
namespace common = k8s_common;

std::optional<WorkloadSpec> ReadSpec(const config::Node& spec) {
  if (!common::CheckSpecShape(spec, "k8s_workload", "\"deployment\"")) return std::nullopt;
  const std::size_t errors_before = spec.diagnostics().items().size();
  WorkloadSpec out;
  out.ns = common::ReadObjectName(spec["namespace"]);
  out.deployment = common::ReadObjectName(spec.Required("deployment"));
  if (const config::Node min = spec["min_available"]; min.defined()) out.min_available = min.AsInt(0, 0);
  out.max_restarts = spec["max_restarts"].AsInt(5, 1);
  const config::Node window = spec["window"];
  out.window = window.AsDuration(out.window);
  if (window.defined() && out.window.count() <= 0) window.Error("must be longer than 0");
  if (spec.diagnostics().items().size() != errors_before) return std::nullopt;
  return out;
}

class WorkloadProbe final : public Probe {
 public:
  WorkloadProbe(std::shared_ptr<k8s::Client> client, const Clock& clock, WorkloadSpec spec)
      : client_(std::move(client)), clock_(clock), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const std::string ns = spec_.ns.empty() ? client_->default_namespace() : spec_.ns;
    const std::string object = "deployment " + common::Qualified(ns, spec_.deployment);

    const std::string deployment_path = k8s::DeploymentPath(ns, spec_.deployment);
    const k8s::Reply deployment = co_await client_->Get(ctx.executor, deployment_path, ctx.deadline);
    if (!deployment.ok()) {
      result = common::ResultOfApiError(deployment.error, common::NotFoundMeans::kCheckedObjectMissing, object);
      co_return;
    }

    // The pods are those of the Deployment's own selector (what `kubectl get pods -l` shows).
    const boost::json::value* selector = k8s::Find(deployment.body, {"spec", "selector"});
    std::string error;
    const std::optional<std::string> rendered =
        selector ? k8s::RenderLabelSelector(*selector, &error) : std::optional<std::string>();
    if (!rendered || rendered->empty()) {
      // An empty selector would list every pod of the namespace.
      result = common::UnusableAnswer(object + " has no usable selector" + (error.empty() ? "" : ": " + error));
      co_return;
    }
    const std::string pods_path = k8s::PodsPath(ns, *rendered);
    const k8s::Reply pods = co_await client_->Get(ctx.executor, pods_path, ctx.deadline);
    if (!pods.ok()) {
      result = common::ResultOfApiError(pods.error, common::NotFoundMeans::kApiError, "pods of " + object);
      co_return;
    }
    result = AssessWorkload(deployment.body, pods.body, clock_.WallNow(), spec_);
  }

  std::shared_ptr<k8s::Client> client_;
  const Clock& clock_;
  WorkloadSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = common::CheckConnection(spec, deps, "k8s_workload");
    auto parsed = ReadSpec(spec);
    if (!connected || !parsed) return nullptr;
    return std::make_unique<WorkloadProbe>(deps.kubernetes, common::ClockOf(deps), std::move(*parsed));
  };
}

}  // namespace runbookd::probes::k8s_workload
