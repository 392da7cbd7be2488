#include "probes/k8s_nodes/k8s_nodes_probe.hpp"

#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_common/k8s_probe.hpp"
#include "probes/k8s_nodes/nodes_assessment.hpp"

namespace runbookd::probes::k8s_nodes {

namespace {

namespace common = k8s_common;

NodesSpec ReadSpec(const config::Node& spec) {
  NodesSpec out;
  out.label_selector = spec["label_selector"].AsString();
  out.max_not_ready = spec["max_not_ready"].AsInt(0, 0);
  out.pressure_counts_as_not_ready = spec["pressure_counts_as_not_ready"].AsBool(false);
  return out;
}

boost::asio::awaitable<void> Check(common::Attempt<NodesSpec> run, ProbeResult& result) {
  // NodesPath() has no selector; escape it the way the other list paths do.
  std::string path = k8s::NodesPath();
  if (!run.spec.label_selector.empty()) path += "?labelSelector=" + k8s::QueryEscape(run.spec.label_selector);
  const std::optional<k8s::Reply> reply =
      co_await run.Fetch(std::move(path), common::NotFoundMeans::kApiError, "nodes", result);
  if (!reply) co_return;
  result = AssessNodes(reply->body, run.clock.WallNow(), run.spec);
}

}  // namespace

ProbeFactory MakeProbeFactory() { return common::MakeFactory("k8s_nodes", "", ReadSpec, Check); }

}  // namespace runbookd::probes::k8s_nodes
