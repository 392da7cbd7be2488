#include "daemon/app/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace runbookd {

namespace {

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

void SystemdNotifier::Ready(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + OneLine(status)).c_str()); }

void SystemdNotifier::Reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
  sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void SystemdNotifier::Stopping() { sd_notify(0, "STOPPING=1"); }

void SystemdNotifier::Watchdog() { sd_notify(0, "WATCHDOG=1"); }

void SystemdNotifier::Status(const std::string& status) { sd_notify(0, ("STATUS=" + OneLine(status)).c_str()); }

std::optional<std::chrono::microseconds> SystemdNotifier::WatchdogTimeout() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace runbookd
