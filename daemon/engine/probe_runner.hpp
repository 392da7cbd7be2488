#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe.hpp"
#include "daemon/engine/daemon_metrics.hpp"
#include "daemon/engine/flap_damper.hpp"
#include "daemon/engine/probe_schedule.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

// One configured probe as the scheduler runs it.
struct ScheduledProbe {
  std::string name;
  std::string type;
  std::chrono::milliseconds interval{15000};
  std::chrono::milliseconds timeout{5000};
  int fail_after = 1;
  int recover_after = 1;
  std::map<std::string, std::string> labels;
  std::shared_ptr<const Probe> probe;
};

// What the core knows about a probe right now (for the API, and later the rules).
struct ProbeView {
  std::string name;
  std::string type;
  ProbeStatus state = ProbeStatus::kUnknown;  // settled, after flap damping
  int streak = 0;                             // consecutive identical raw results, all of streak_status
  ProbeStatus streak_status = ProbeStatus::kUnknown;
  std::optional<ProbeResult> last;
  WallTime last_run{};
  uint64_t runs = 0;
  uint64_t skipped = 0;
};

// Runs one generation of probes on the event loop: timers from ProbeSchedule, a deadline race
// around every run, flap damping, metrics. A reload makes a new runner and hands it the old
// one's views, so settled states survive the swap for probes that keep their name.
class ProbeRunner : public std::enable_shared_from_this<ProbeRunner> {
 public:
  using ResultListener = std::function<void(const ProbeView&)>;

  ProbeRunner(boost::asio::any_io_executor executor, const Clock& clock, DaemonMetrics& metrics,
              std::shared_ptr<spdlog::logger> logger, std::vector<ScheduledProbe> probes);

  // Carries settled state over from the previous generation (call before Start).
  void Inherit(const ProbeRunner& previous);
  void SetListener(ResultListener listener) { listener_ = std::move(listener); }
  void Start();
  // Stops scheduling and cancels the runs in flight (their results are dropped): a probe holds no
  // state worth a grace period, unlike an action.
  void Stop();

  const std::vector<ProbeView>& views() const { return views_; }
  size_t in_flight() const { return in_flight_; }

 private:
  boost::asio::awaitable<void> Loop();
  boost::asio::awaitable<void> RunOne(size_t index);
  void Record(size_t index, ProbeResult result);

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  DaemonMetrics& metrics_;
  std::shared_ptr<spdlog::logger> logger_;
  std::vector<ScheduledProbe> probes_;
  std::vector<ProbeView> views_;
  std::vector<FlapDamper> dampers_;
  ProbeSchedule schedule_;
  boost::asio::steady_timer timer_;
  std::vector<std::unique_ptr<boost::asio::cancellation_signal>> cancel_;  // one per probe
  ResultListener listener_;
  bool stopped_ = false;
  size_t in_flight_ = 0;
};

}  // namespace runbookd
