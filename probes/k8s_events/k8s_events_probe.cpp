#include "probes/k8s_events/k8s_events_probe.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "daemon/core/probe_guard.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_events/events_assessment.hpp"

namespace runbookd::probes::k8s_events {

namespace {

namespace asio = boost::asio;
namespace common = k8s_common;

std::optional<EventsSpec> ReadSpec(const config::Node& spec) {
  if (!common::CheckSpecShape(spec, "k8s_events", "")) return std::nullopt;
  const std::size_t errors_before = spec.diagnostics().items().size();
  EventsSpec out;
  out.ns = common::ReadObjectName(spec["namespace"]);
  const config::Node window = spec["window"];
  out.window = window.AsDuration(out.window);
  if (window.defined() && out.window.count() <= 0) window.Error("must be longer than 0");
  out.reasons = spec["reasons"].AsStringList();
  const config::Node involved = spec["involved_object"];
  out.involved_object = involved.AsString();
  if (involved.defined() && (out.involved_object.empty() || out.involved_object == "*")) {
    involved.Error("involved_object needs a name (or a prefix ending in '*')");
  }
  out.max_warnings = spec["max_warnings"].AsInt(0, 0);
  if (spec.diagnostics().items().size() != errors_before) return std::nullopt;
  return out;
}

class EventsProbe final : public Probe {
 public:
  EventsProbe(std::shared_ptr<k8s::Client> client, const Clock& clock, EventsSpec spec)
      : client_(std::move(client)), clock_(clock), spec_(std::move(spec)) {}

  asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) { return Check(ctx, result); });
  }

 private:
  asio::awaitable<void> Check(const ProbeContext& ctx, ProbeResult& result) const {
    const std::string ns = spec_.ns.empty() ? client_->default_namespace() : spec_.ns;
    const std::string path = k8s::EventsPath(ns, "type=Warning");
    const k8s::Reply reply = co_await client_->Get(ctx.executor, path, ctx.deadline);
    if (!reply.ok()) {
      result = common::ResultOfApiError(reply.error, common::NotFoundMeans::kApiError, "events in " + ns);
      co_return;
    }
    result = AssessEvents(reply.body, ns, clock_.WallNow(), spec_);
  }

  std::shared_ptr<k8s::Client> client_;
  const Clock& clock_;
  EventsSpec spec_;
};

}  // namespace

ProbeFactory MakeProbeFactory() {
  return [](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = common::CheckConnection(spec, deps, "k8s_events");
    auto parsed = ReadSpec(spec);
    if (!connected || !parsed) return nullptr;
    return std::make_unique<EventsProbe>(deps.kubernetes, common::ClockOf(deps), std::move(*parsed));
  };
}

}  // namespace runbookd::probes::k8s_events
