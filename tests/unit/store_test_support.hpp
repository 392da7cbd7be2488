#pragma once

#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "daemon/store/records.hpp"
#include "tests/support/subprocess.hpp"

// Shared by the store's unit and integration tests.
namespace runbookd::testing {

// A wall time `s` seconds after an arbitrary, fixed epoch (whole milliseconds, as stored).
inline WallTime At(int64_t s) { return WallTime(std::chrono::seconds(1'800'000'000 + s)); }

inline store::AlertRecord FiringAlert(const std::string& fingerprint, WallTime starts_at, WallTime seen_at) {
  store::AlertRecord alert;
  alert.fingerprint = fingerprint;
  alert.starts_at = starts_at;
  alert.status = store::AlertStatus::kFiring;
  alert.labels = {{"alertname", "KafkaUnderReplicated"}, {"cluster", "prod"}, {"severity", "critical"}};
  alert.annotations = {{"summary", "ISR shrink"}};
  alert.generator_url = "http://prom:9090/graph?g0.expr=x";
  alert.receiver = "hook";
  alert.group_key = "{}:{alertname=\"KafkaUnderReplicated\"}";
  alert.seen_at = seen_at;
  return alert;
}

inline store::AlertRecord ResolvedAlert(const std::string& fingerprint, WallTime starts_at, WallTime ends_at,
                                        WallTime seen_at) {
  store::AlertRecord alert = FiringAlert(fingerprint, starts_at, seen_at);
  alert.status = store::AlertStatus::kResolved;
  alert.ends_at = ends_at;
  return alert;
}

// Everything a refused open must not change: the file's bytes and mtime, and the directory's
// entries (no -wal or -shm companions appear).
struct FileSnapshot {
  std::string bytes;
  int64_t mtime_ns = 0;
  std::set<std::string> directory;

  static FileSnapshot Of(const std::string& path) {
    FileSnapshot snapshot;
    snapshot.bytes = ReadFile(path);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) snapshot.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
      snapshot.directory.insert(entry.path().filename().string());
    }
    return snapshot;
  }
  bool operator==(const FileSnapshot&) const = default;
};

// Runs completion handlers on this thread until `done()` holds or the limit passes.
template <typename Done>
bool RunUntil(boost::asio::io_context& io, Done done, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  // A previous call's guard, when it went away, left the io_context stopped: start it again.
  if (io.stopped()) io.restart();
  auto guard = boost::asio::make_work_guard(io);
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace runbookd::testing
