#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace runbookd {

// sd_notify(3) for Type=notify: READY, RELOADING, STOPPING, WATCHDOG and STATUS. Every call is a
// no-op when NOTIFY_SOCKET is unset, so the daemon runs the same outside systemd.
class SystemdNotifier {
 public:
  void Ready(const std::string& status);
  void Reloading();
  void Stopping();
  void Watchdog();
  void Status(const std::string& status);
  // The watchdog interval systemd expects pings within, when WatchdogSec= is set for this pid.
  static std::optional<std::chrono::microseconds> WatchdogTimeout();
};

}  // namespace runbookd
