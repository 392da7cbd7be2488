#pragma once

// Helpers for probe tests: build a probe (or a blackbox module's probe) from YAML, run it once on
// its own io_context, run it and cancel it, read an observation.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "config/node.hpp"
#include "daemon/core/registry.hpp"

namespace runbookd::probetest {

using namespace std::chrono_literals;

struct Outcome {
  ProbeResult result;
  std::chrono::milliseconds elapsed{0};
};

inline Outcome RunOnce(const Probe& probe, std::chrono::milliseconds timeout = 3s) {
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  ProbeContext ctx{io.get_executor(), start + timeout};
  Outcome out;
  bool finished = false;
  boost::asio::co_spawn(io, probe.Run(ctx), [&](std::exception_ptr e, ProbeResult r) {
    finished = !e;
    out.result = std::move(r);
  });
  io.run();
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  REQUIRE(finished);  // Run never lets an exception out
  return out;
}

// Runs the probe with a far deadline but cancels it after `cancel_after`, as the core does when
// its own deadline timer wins the race. Returns how long until the io_context had nothing left
// to run: the probe must stop, and leave nothing pending, right away.
inline std::chrono::milliseconds RunCancelled(const Probe& probe, std::chrono::milliseconds cancel_after) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  ProbeContext ctx{io.get_executor(), start + 30s};
  boost::asio::steady_timer timer(io, start + cancel_after);
  bool timer_won = false;
  boost::asio::co_spawn(
      io, probe.Run(ctx) || timer.async_wait(boost::asio::use_awaitable),
      [&](std::exception_ptr e, std::variant<ProbeResult, std::monostate> r) { timer_won = !e && r.index() == 1; });
  io.run();
  REQUIRE(timer_won);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// Builds a probe from a spec; REQUIREs a clean config.
inline std::unique_ptr<Probe> BuildProbe(const ProbeFactory& factory, const std::string& yaml,
                                         const ProbeDeps& deps = {}) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "spec.yaml", diags);
  auto probe = factory(doc.root(), deps);
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(probe);
  return probe;
}

// The errors a spec gives, formatted.
template <typename Factory>
std::string ConfigErrors(const Factory& factory, const std::string& yaml) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "t.yaml", diags);
  (void)factory(doc.root(), ProbeDeps{});
  doc.CheckUnknownKeys();
  return diags.Format();
}

// Builds the /probe probe of a blackbox module block for `target`.
inline std::unique_ptr<Probe> BuildModuleProbe(const ModuleFactory& factory, const std::string& yaml,
                                               const std::string& target) {
  config::Diagnostics diags;
  auto doc = config::Document::Parse(yaml, "blackbox.yml", diags);
  auto builder = factory(doc.root(), ProbeDeps{});
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(builder);
  std::string error;
  auto probe = builder(target, error);
  INFO(error);
  REQUIRE(probe);
  return probe;
}

inline double Observed(const ProbeResult& r, std::string_view name) {
  const double* v = r.Find(name);
  INFO("observation " << name);
  REQUIRE(v != nullptr);
  return *v;
}

}  // namespace runbookd::probetest
