#include "probes/k8s_endpoints/k8s_endpoints_probe.hpp"

#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_common/k8s_probe.hpp"
#include "probes/k8s_endpoints/endpoints_assessment.hpp"

namespace runbookd::probes::k8s_endpoints {

namespace {

namespace common = k8s_common;

EndpointsSpec ReadSpec(const config::Node& spec) {
  EndpointsSpec out;
  out.ns = common::ReadObjectName(spec["namespace"]);
  out.service = common::ReadObjectName(spec.Required("service"));
  out.min_ready = spec["min_ready"].AsInt(1, 0);
  out.source = spec["source"].AsEnum({"endpointslices", "endpoints"}, "endpointslices") == "endpoints"
                   ? EndpointSource::kEndpoints
                   : EndpointSource::kEndpointSlices;
  return out;
}

boost::asio::awaitable<void> Check(common::Attempt<EndpointsSpec> run, ProbeResult& result) {
  const std::string ns = run.Namespace();
  const std::string service = "service " + common::Qualified(ns, run.spec.service);
  std::string fallback_note;
  if (run.spec.source == EndpointSource::kEndpointSlices) {
    const std::string slices_path = k8s::EndpointSlicesPath(ns, run.spec.service);
    const k8s::Reply slices = co_await run.client.Get(run.ctx.executor, slices_path, run.ctx.deadline);
    if (slices.ok()) {
      const boost::json::array* items = common::ItemsOf(slices.body);
      if (items != nullptr && items->empty()) {
        // A Service with a selector always has a slice, so none at all may mean no Service.
        const std::string service_path = k8s::ServicePath(ns, run.spec.service);
        const k8s::Reply found = co_await run.client.Get(run.ctx.executor, service_path, run.ctx.deadline);
        if (found.error.kind == k8s::ErrorKind::kNotFound) {
          result = common::ResultOfApiError(found.error, common::NotFoundMeans::kCheckedObjectMissing, service);
          co_return;
        }
        // Any other answer (even 403: the role may allow only EndpointSlices) leaves the count at 0.
      }
      result = AssessEndpointSlices(slices.body, ns, run.spec);
      co_return;
    }
    if (slices.error.kind != k8s::ErrorKind::kNotFound) {
      result = common::ResultOfApiError(slices.error, common::NotFoundMeans::kApiError, service);
      co_return;
    }
    // 404 on a list: the server does not serve discovery.k8s.io/v1 (before Kubernetes 1.21).
    fallback_note = "; read from Endpoints: discovery.k8s.io/v1 is not served";
  }
  std::string endpoints_path = k8s::EndpointsPath(ns, run.spec.service);
  const std::string object = "Endpoints " + common::Qualified(ns, run.spec.service);
  const std::optional<k8s::Reply> endpoints =
      co_await run.Fetch(std::move(endpoints_path), common::NotFoundMeans::kCheckedObjectMissing, object, result);
  if (!endpoints) co_return;
  result = AssessEndpoints(endpoints->body, ns, run.spec);
  result.detail += fallback_note;
}

}  // namespace

ProbeFactory MakeProbeFactory() { return common::MakeFactory("k8s_endpoints", "\"service\"", ReadSpec, Check); }

}  // namespace runbookd::probes::k8s_endpoints
