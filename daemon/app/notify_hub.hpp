#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/notifier.hpp"
#include "daemon/engine/incident_book.hpp"
#include "daemon/gates/escalation.hpp"
#include "daemon/notify/delivery.hpp"
#include "daemon/notify/notifier_settings.hpp"
#include "daemon/store/records.hpp"

namespace spdlog {
class logger;
}

namespace runbookd {

class DaemonMetrics;

// Who is told what, and when: the incident's opening goes to the first rung of its severity's
// escalation ladder (every notifier when there is no ladder); later rungs follow on their timers
// until the incident is acknowledged or resolves; everything after (approvals, actions,
// escalations, progress updates, the resolution) goes to everyone told so far. Silenced incidents
// tell no one. An incident suppressed by a dependency is held like an inhibited alert: its root
// cause pages instead; if it outlives the suppression, its ladder starts then. Each delivery is
// one Delivery (retries, Retry-After) in the background. One event-loop thread.
class NotifyHub {
 public:
  NotifyHub(boost::asio::any_io_executor executor, const Clock& clock, DaemonMetrics& metrics,
            std::shared_ptr<spdlog::logger> logger);
  ~NotifyHub();

  // A config generation's notifiers and ladder.
  void SetConfig(std::vector<notify::NotifierSettings> notifiers, gates::EscalationSettings escalation,
                 notify::DeliveryPolicy policy = {});
  // Whether a maintenance window covers these labels now.
  void SetSilenced(std::function<bool(const std::map<std::string, std::string>&)> silenced);

  void OnIncidentEvent(const IncidentEvent& event, store::IncidentId id);
  // An incident the previous run left open: told to everyone when it resolves.
  void Restore(store::IncidentId id, const IncidentKey& key, const std::string& severity,
               std::vector<std::pair<std::string, std::string>> labels, WallTime opened_at,
               std::optional<WallTime> acknowledged_at = std::nullopt);
  // A human took the incident: the ladder stops (progress updates go on), everyone told so far
  // hears who (`text`), and PagerDuty's alert is acknowledged.
  void Acknowledge(store::IncidentId id, std::string text, WallTime at);
  // Whether a tracked incident was acknowledged; nullopt when it is not tracked (not open).
  std::optional<bool> acknowledged(store::IncidentId id) const;
  // A notification from the pipeline (approval requested, action taken, escalated).
  void Notify(Notification n);

  void Start();  // the ladder's and the updates' timer
  void Stop();

  size_t deliveries_in_flight() const { return *in_flight_; }

 private:
  struct Tracked {
    IncidentKey key;
    std::string severity;
    std::vector<std::pair<std::string, std::string>> labels;
    WallTime opened_at;
    std::string opened_summary;
    bool suppressed = false;             // by a dependency: nothing is sent
    bool announced = false;              // the opening went up the ladder (not held back by a suppression)
    bool restored = false;               // opened by an earlier run: who was told is not known here
    bool steps_pending = false;          // restored before the ladder was configured: count its sent steps then
    gates::EscalationProgress progress;  // its opened_at: when the ladder started
    std::vector<std::string> told;       // notifier names, in the order first told
    std::string last_action;             // the last action that ran: the resolution's likely fix
  };
  void Fill(Notification& n, const Tracked& t) const;
  void Announce(store::IncidentId id, Tracked& t, WallTime at);
  std::vector<std::string> ResolutionRecipients(const Tracked& t) const;
  void CountStepsSent(Tracked& t) const;
  void Send(const Notification& n, const std::vector<std::string>& recipients, Tracked* t);
  std::vector<std::string> AllNames() const;
  bool Silenced(const Tracked& t) const;
  void Tick();

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  DaemonMetrics& metrics_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<std::string, std::shared_ptr<const notify::Delivery>> deliveries_;  // by notifier name
  gates::EscalationSettings escalation_;
  std::function<bool(const std::map<std::string, std::string>&)> silenced_;
  std::map<store::IncidentId, Tracked> incidents_;
  bool configured_ = false;
  boost::asio::steady_timer timer_;
  std::shared_ptr<size_t> in_flight_ = std::make_shared<size_t>(0);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace runbookd
