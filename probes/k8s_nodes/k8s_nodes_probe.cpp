#include "probes/k8s_nodes/k8s_nodes_probe.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_nodes/nodes_assessment.hpp"

namespace runbookd::probes::k8s_nodes {

namespace {

namespace asio = boost::asio;
namespace common = k8s_common;

std::optional<NodesSpec> ReadSpec(const config::Node& spec) {
  if (!common::CheckSpecShape(spec, "k8s_nodes", "")) return std::nullopt;
  const std::size_t errors_before = spec.diagnostics().items().size();
  NodesSpec out;
  out.label_selector = spec["label_selector"].AsString();
  out.max_not_ready = spec["max_not_ready"].AsInt(0, 0);
  out.pressure_counts_as_not_ready = spec["pressure_counts_as_not_ready"].AsBool(false);
  if (spec.diagnostics().items().size() != errors_before) return std::nullopt;
  return out;
}

class NodesProbe final : public Probe {
 public:
  NodesProbe(std::shared_ptr<k8s::Client> client, const Clock& clock, NodesSpec spec)
      : client_(std::move(client)), clock_(clock), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    // NodesPath() has no selector; escape it the way the other list paths do.
    std::string path = k8s::NodesPath();
    if (!spec_.label_selector.empty()) path += "?labelSelector=" + k8s::QueryEscape(spec_.label_selector);
    const k8s::Reply reply = co_await client_->Get(ctx.executor, path, ctx.deadline);
    if (!reply.ok()) {
      result = common::ResultOfApiError(reply.error, common::NotFoundMeans::kApiError, "nodes");
      co_return;
    }
    result = AssessNodes(reply.body, clock_.WallNow(), spec_);
  }

  std::shared_ptr<k8s::Client> client_;
  const Clock& clock_;
  NodesSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = common::CheckConnection(spec, deps, "k8s_nodes");
    auto parsed = ReadSpec(spec);
    if (!connected || !parsed) return nullptr;
    return std::make_unique<NodesProbe>(deps.kubernetes, common::ClockOf(deps), std::move(*parsed));
  };
}

}  // namespace runbookd::probes::k8s_nodes
