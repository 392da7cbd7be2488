#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/node.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/probe.hpp"
#include "daemon/core/probe_guard.hpp"
#include "daemon/core/probe_result.hpp"
#include "daemon/core/registry.hpp"
#include "probes/k8s_common/k8s_common.hpp"

// The frame of every k8s_* probe type, so that a type only says how it reads its spec (a
// ReadSpec) and what one attempt does (a Check); MakeFactory joins them.
namespace runbookd::probes::k8s_common {

// GET `path` for a probe run: the reply, or nullopt once `result` holds the failure
// (ResultOfApiError with `not_found` and `object`).
boost::asio::awaitable<std::optional<k8s::Reply>> FetchOrConclude(k8s::Client& client, const ProbeContext& ctx,
                                                                  std::string path, NotFoundMeans not_found,
                                                                  std::string_view object, ProbeResult& result);

// What one attempt of a k8s_* probe works with. Checks take it by value: it only refers to what
// the probe and its Run hold, which outlive the attempt.
template <typename Spec>
struct Attempt {
  const ProbeContext& ctx;
  k8s::Client& client;
  const Clock& clock;
  const Spec& spec;

  // FetchOrConclude with this attempt's client and deadline. `object` must outlive the co_await.
  boost::asio::awaitable<std::optional<k8s::Reply>> Fetch(std::string path, NotFoundMeans not_found,
                                                          std::string_view object, ProbeResult& result) const {
    return FetchOrConclude(client, ctx, std::move(path), not_found, object, result);
  }

  // The spec's namespace, else the connection's default one: read on each attempt, not when built.
  std::string Namespace() const { return spec.ns.empty() ? client.default_namespace() : spec.ns; }
};

// One attempt of a probe type: it sets `result`.
template <typename Spec>
using CheckFn = boost::asio::awaitable<void> (*)(Attempt<Spec> attempt, ProbeResult& result);

// A configured k8s_* probe: each Run is one Check under RunGuarded (duration, exceptions and
// cancellation as results).
template <typename Spec>
class SpecProbe final : public Probe {
 public:
  SpecProbe(std::shared_ptr<k8s::Client> client, const Clock& clock, Spec spec, CheckFn<Spec> check)
      : client_(std::move(client)), clock_(clock), spec_(std::move(spec)), check_(check) {}

  boost::asio::awaitable<ProbeResult> Run(const ProbeContext& ctx) const override {
    co_return co_await RunGuarded([this, &ctx](ProbeResult& result) {
      return check_(Attempt<Spec>{ctx, *client_, clock_, spec_}, result);
    });
  }

 private:
  std::shared_ptr<k8s::Client> client_;
  const Clock& clock_;
  Spec spec_;
  CheckFn<Spec> check_;
};

// The factory of a k8s_* probe type. The item needs a kubernetes connection and a spec that is a
// mapping (`required` names its required keys, empty when it has none); both problems are
// reported at once. `read(spec)` returns the type's spec and records any error on it. With no
// error recorded, the probe runs `check` with the connection's client and the clock.
template <typename Spec>
ProbeFactory MakeFactory(std::string_view type, std::string_view required, Spec (*read)(const config::Node&),
                         CheckFn<Spec> check) {
  return [type, required, read, check](const config::Node& spec, const ProbeDeps& deps) -> std::unique_ptr<Probe> {
    const bool connected = CheckConnection(spec, deps, type);
    if (!CheckSpecShape(spec, type, required)) return nullptr;
    const std::size_t errors_before = spec.diagnostics().items().size();
    Spec parsed = read(spec);
    if (!connected || spec.diagnostics().items().size() != errors_before) return nullptr;
    return std::make_unique<SpecProbe<Spec>>(deps.kubernetes, ClockOf(deps), std::move(parsed), check);
  };
}

}  // namespace runbookd::probes::k8s_common
