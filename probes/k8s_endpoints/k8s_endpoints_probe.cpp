#include "probes/k8s_endpoints/k8s_endpoints_probe.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_endpoints/endpoints_assessment.hpp"

namespace runbookd::probes::k8s_endpoints {

namespace {

namespace asio = boost::asio;
namespace common = k8s_common;

std::optional<EndpointsSpec> ReadSpec(const config::Node& spec) {
  if (!common::CheckSpecShape(spec, "k8s_endpoints", "\"service\"")) return std::nullopt;
  const std::size_t errors_before = spec.diagnostics().items().size();
  EndpointsSpec out;
  out.ns = common::ReadObjectName(spec["namespace"]);
  out.service = common::ReadObjectName(spec.Required("service"));
  out.min_ready = spec["min_ready"].AsInt(1, 0);
  out.source = spec["source"].AsEnum({"endpointslices", "endpoints"}, "endpointslices") == "endpoints"
                   ? EndpointSource::kEndpoints
                   : EndpointSource::kEndpointSlices;
  if (spec.diagnostics().items().size() != errors_before) return std::nullopt;
  return out;
}

class EndpointsProbe final : public Probe {
 public:
  EndpointsProbe(std::shared_ptr<k8s::Client> client, EndpointsSpec spec)
      : client_(std::move(client)), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const std::string ns = spec_.ns.empty() ? client_->default_namespace() : spec_.ns;
    const std::string service = "service " + common::Qualified(ns, spec_.service);
    std::string fallback_note;
    if (spec_.source == EndpointSource::kEndpointSlices) {
      const std::string slices_path = k8s::EndpointSlicesPath(ns, spec_.service);
      const k8s::Reply slices = co_await client_->Get(ctx.executor, slices_path, ctx.deadline);
      if (slices.ok()) {
        const boost::json::array* items = common::ItemsOf(slices.body);
        if (items != nullptr && items->empty()) {
          // A Service with a selector always has a slice, so none at all may mean no Service.
          const std::string service_path = k8s::ServicePath(ns, spec_.service);
          const k8s::Reply found = co_await client_->Get(ctx.executor, service_path, ctx.deadline);
          if (found.error.kind == k8s::ErrorKind::kNotFound) {
            result = common::ResultOfApiError(found.error, common::NotFoundMeans::kCheckedObjectMissing, service);
            co_return;
          }
          // Any other answer (even 403: the role may allow only EndpointSlices) leaves the count at 0.
        }
        result = AssessEndpointSlices(slices.body, ns, spec_);
        co_return;
      }
      if (slices.error.kind != k8s::ErrorKind::kNotFound) {
        result = common::ResultOfApiError(slices.error, common::NotFoundMeans::kApiError, service);
        co_return;
      }
      // 404 on a list: the server does not serve discovery.k8s.io/v1 (before Kubernetes 1.21).
      fallback_note = "; read from Endpoints: discovery.k8s.io/v1 is not served";
    }
    const std::string endpoints_path = k8s::EndpointsPath(ns, spec_.service);
    const k8s::Reply endpoints = co_await client_->Get(ctx.executor, endpoints_path, ctx.deadline);
    if (!endpoints.ok()) {
      const std::string object = "Endpoints " + common::Qualified(ns, spec_.service);
      result = common::ResultOfApiError(endpoints.error, common::NotFoundMeans::kCheckedObjectMissing, object);
      co_return;
    }
    result = AssessEndpoints(endpoints.body, ns, spec_);
    result.detail += fallback_note;
  }

  std::shared_ptr<k8s::Client> client_;
  EndpointsSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = common::CheckConnection(spec, deps, "k8s_endpoints");
    auto parsed = ReadSpec(spec);
    if (!connected || !parsed) return nullptr;
    return std::make_unique<EndpointsProbe>(deps.kubernetes, std::move(*parsed));
  };
}

}  // namespace runbookd::probes::k8s_endpoints
