#include "probes/k8s_events/k8s_events_probe.hpp"

#include <optional>
#include <string>
#include <utility>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "probes/k8s_common/k8s_common.hpp"
#include "probes/k8s_common/k8s_probe.hpp"
#include "probes/k8s_events/events_assessment.hpp"

namespace runbookd::probes::k8s_events {

namespace {

namespace common = k8s_common;

EventsSpec ReadSpec(const config::Node& spec) {
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
  return out;
}

boost::asio::awaitable<void> Check(common::Attempt<EventsSpec> run, ProbeResult& result) {
  const std::string ns = run.Namespace();
  std::string path = k8s::EventsPath(ns, "type=Warning");
  const std::string object = "events in " + ns;
  const std::optional<k8s::Reply> reply =
      co_await run.Fetch(std::move(path), common::NotFoundMeans::kApiError, object, result);
  if (!reply) co_return;
  result = AssessEvents(reply->body, ns, run.clock.WallNow(), run.spec);
}

}  // namespace

ProbeFactory MakeProbeFactory() { return common::MakeFactory("k8s_events", "", ReadSpec, Check); }

}  // namespace runbookd::probes::k8s_events
