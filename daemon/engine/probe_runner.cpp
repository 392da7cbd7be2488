#include "daemon/engine/probe_runner.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

namespace runbookd {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

ProbeRunner::ProbeRunner(asio::any_io_executor executor, const Clock& clock, DaemonMetrics& metrics,
                         std::shared_ptr<spdlog::logger> logger, std::vector<ScheduledProbe> probes)
    : executor_(std::move(executor)),
      clock_(clock),
      metrics_(metrics),
      logger_(std::move(logger)),
      probes_(std::move(probes)),
      timer_(executor_) {
  const SteadyTime now = clock_.SteadyNow();
  for (const auto& p : probes_) {
    schedule_.Add(p.name, p.interval, now);
    views_.push_back(ProbeView{p.name, p.type});
    dampers_.emplace_back(p.fail_after, p.recover_after);
    cancel_.push_back(std::make_unique<asio::cancellation_signal>());
  }
}

void ProbeRunner::Inherit(const ProbeRunner& previous) {
  for (size_t i = 0; i < probes_.size(); ++i) {
    for (size_t j = 0; j < previous.probes_.size(); ++j) {
      if (previous.probes_[j].name != probes_[i].name || previous.probes_[j].type != probes_[i].type) continue;
      views_[i] = previous.views_[j];
      dampers_[i] = previous.dampers_[j].WithThresholds(probes_[i].fail_after, probes_[i].recover_after);
    }
  }
}

void ProbeRunner::Start() {
  if (schedule_.empty()) return;
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->Loop(); }, asio::detached);
}

void ProbeRunner::Stop() {
  stopped_ = true;
  timer_.cancel();
  for (size_t i = 0; i < probes_.size(); ++i) {
    if (schedule_.running(i)) cancel_[i]->emit(asio::cancellation_type::terminal);
  }
}

asio::awaitable<void> ProbeRunner::Loop() {
  while (!stopped_) {
    timer_.expires_at(schedule_.NextDue());
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    const auto due = schedule_.TakeDue(clock_.SteadyNow());
    for (size_t i : due.skipped) {
      ++views_[i].skipped;
      metrics_.RecordProbeSkipped(probes_[i].name);
      logger_->warn("probe {}: run skipped, the previous run is still in flight", probes_[i].name);
    }
    for (size_t i : due.start) {
      ++in_flight_;
      asio::co_spawn(executor_, RunOne(i), asio::bind_cancellation_slot(cancel_[i]->slot(), asio::detached));
    }
  }
}

asio::awaitable<void> ProbeRunner::RunOne(size_t index) {
  auto self = shared_from_this();  // keeps this generation alive until the run ends
  const ScheduledProbe& p = probes_[index];
  const SteadyTime start = clock_.SteadyNow();
  ProbeContext ctx{executor_, start + p.timeout};
  ProbeResult result;
  try {
    asio::steady_timer deadline(executor_, ctx.deadline);
    auto outcome = co_await (p.probe->Run(ctx) || deadline.async_wait(asio::use_awaitable));
    if (outcome.index() == 0) {
      result = std::move(std::get<0>(outcome));
    } else {
      result = ProbeResult::Unhealthy(ProbeReason::kTimeout,
                                      "no result within the timeout of " + std::to_string(p.timeout.count()) + "ms");
    }
  } catch (const boost::system::system_error& e) {
    // Cancelled by Stop(): the result is dropped below.
    result = ProbeResult::Unknown(ProbeReason::kInternalError, std::string("probe run ended: ") + e.what());
  } catch (const std::exception& e) {
    result = ProbeResult::Unknown(ProbeReason::kInternalError, std::string("probe failed: ") + e.what());
  }
  result.duration = clock_.SteadyNow() - start;
  --in_flight_;
  schedule_.Finished(index);
  if (!stopped_) Record(index, std::move(result));
}

void ProbeRunner::Record(size_t index, ProbeResult result) {
  const ScheduledProbe& p = probes_[index];
  ProbeView& view = views_[index];
  FlapDamper& damper = dampers_[index];
  const bool changed = damper.Observe(result.status);
  metrics_.RecordProbeRun(p.name, p.type, result, damper.state());
  view.state = damper.state();
  view.streak = damper.streak();
  view.streak_status = damper.streak_status();
  view.last_run = clock_.WallNow();
  ++view.runs;
  if (changed) {
    logger_->info("probe {} is now {} ({}: {})", p.name, ToString(view.state), ToString(result.reason), result.detail);
  } else {
    logger_->debug("probe {}: {} ({}) in {}ms", p.name, ToString(result.status), ToString(result.reason),
                   std::chrono::duration_cast<std::chrono::milliseconds>(result.duration).count());
  }
  view.last = std::move(result);
  if (listener_) listener_(view);
}

}  // namespace runbookd
