#pragma once

// Helpers for the Alertmanager / Prometheus e2e tests (tests/e2e/alertmanager_*_e2e_test.cpp):
// real Alertmanager 0.25 and Prometheus 2.42 on loopback in a temp dir, alerts for Alertmanager's
// API v2 and for runbookd's webhook, runbookd's incidents read through its API, and a runbookd
// whose store lives on a small private tmpfs that a test can fill up.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/e2e_support.hpp"
#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// Wall-clock time points (std::chrono::system_clock).
using WallPoint = std::chrono::system_clock::time_point;

// RFC 3339 in UTC with milliseconds ("2026-11-22T22:30:16.855Z"): runbookd's store keeps
// milliseconds, so a time written this way comes back unchanged.
std::string Rfc3339Millis(WallPoint t);
// `t` truncated to the millisecond.
WallPoint TruncateToMillis(WallPoint t);

// ---- Alertmanager 0.25 ----

struct AmRoute {
  std::string group_by = "['alertname']";
  std::string group_wait = "0s";
  std::string group_interval = "1s";
  std::string repeat_interval = "24h";
};

// alertmanager.yml with one route to runbookd's POST /api/v1/alerts, bearer auth read from
// `credentials_file` (http_config.authorization), send_resolved: true.
std::string AlertmanagerConfigForRunbookd(int runbookd_port, const std::string& credentials_file,
                                          const AmRoute& route = {});

// prometheus-alertmanager on 127.0.0.1:port() with gossip disabled, debug logs (they show each
// failed notify attempt), config and data under `dir`/alertmanager.
class AlertmanagerPeer {
 public:
  AlertmanagerPeer(const TempDir& dir, const std::string& config_yaml);

  int port() const { return port_; }
  const std::string& config_file() const { return config_file_; }
  // Polls /-/ready until 200 (false if the process exited or the limit passed).
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // POST /api/v2/alerts with a JSON array (see AmApiAlert).
  HttpReply PostAlerts(const std::string& json_array) const;
  ChildProcess& process() { return *child_; }
  std::string Log() const { return child_->Log(); }

 private:
  int port_;
  std::string config_file_;
  std::unique_ptr<ChildProcess> child_;
};

// An alert as Alertmanager's GET /api/v2/alerts lists it.
struct AmAlert {
  std::string fingerprint;
  std::map<std::string, std::string> labels;
  std::string state;  // "active", "suppressed", "unprocessed"
};
// The alerts Alertmanager holds (GET /api/v2/alerts); nullopt (with `why`) when it did not answer.
std::optional<std::vector<AmAlert>> AmAlerts(int alertmanager_port, std::string* why = nullptr);

// One element of Alertmanager's POST /api/v2/alerts body.
std::string AmApiAlert(const std::map<std::string, std::string>& labels, WallPoint starts_at,
                       std::optional<WallPoint> ends_at = std::nullopt);

// ---- Prometheus 2.42 ----

// prometheus on 127.0.0.1:port() with `config_yaml` as prometheus.yml and `files` (name ->
// content, e.g. rule files) beside it, TSDB under `dir`/prometheus.
class PrometheusPeer {
 public:
  PrometheusPeer(const TempDir& dir, const std::string& config_yaml,
                 const std::map<std::string, std::string>& files = {});

  int port() const { return port_; }
  const std::string& directory() const { return dir_; }
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(30));
  ChildProcess& process() { return *child_; }
  std::string Log() const { return child_->Log(); }

 private:
  int port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
};

// ---- runbookd's webhook and incidents ----

// An alert as runbookd's webhook receives it.
struct WebhookAlert {
  std::string fingerprint;  // 16 hex characters
  WallPoint starts_at;
  std::map<std::string, std::string> labels;
};

// A webhook v4 body carrying `alerts`, all firing, as Alertmanager 0.25 sends it.
std::string WebhookPayload(const std::vector<WebhookAlert>& alerts, const std::string& group_key = "{}:{}");

struct TimelineView {
  std::string at;
  std::string source;  // "probe:NAME", "alert:FINGERPRINT", "rule", "engine", ...
  std::string kind;
  std::string message;
};

struct IncidentView {
  int64_t id = 0;
  std::string rule;
  std::string state;
  std::string severity;
  std::vector<TimelineView> timeline;  // only from GetIncident
};

// GET /api/v1/incidents (every state when `all`); nullopt when runbookd did not answer 200 with
// the expected document (`why` says what happened).
std::optional<std::vector<IncidentView>> ListIncidents(int port, const std::string& reader_token, bool all,
                                                       std::string* why = nullptr);
// GET /api/v1/incidents/{id} with its timeline.
std::optional<IncidentView> GetIncident(int port, const std::string& reader_token, int64_t id,
                                        std::string* why = nullptr);
// Whether the incident's timeline names the alert with this fingerprint: an entry from source
// "alert:FP", or a rule match whose evidence says "fp=FP" (the signals that open an incident are
// recorded in its "opened" match entry).
bool TimelineNamesAlert(const IncidentView& incident, const std::string& fingerprint);
// Human-readable dump of incidents (with timelines when present), for failure messages.
std::string Describe(const std::vector<IncidentView>& incidents);

// Occurrences of `needle` in `text`.
size_t CountOccurrences(const std::string& text, const std::string& needle);

// ---- runbookd with its store on a private, fillable tmpfs ----

// True when this process may create a mount namespace and mount a tmpfs in it (root with
// CAP_SYS_ADMIN, unshare(1) present). `why` says what failed otherwise.
bool PrivateTmpfsAvailable(std::string* why);

// runbookd started as
//   unshare --mount --propagation private -- sh -c 'mount -t tmpfs -o size=N tmpfs STORE_DIR && exec runbookd ...'
// so that its store directory (`dir`/store) is a tmpfs of `tmpfs_bytes` that only runbookd's own
// mount namespace sees (it disappears with the process; nothing is left mounted on the host).
// The test reaches that directory through /proc/PID/root. The pid is runbookd's (exec all along).
class TmpfsStoreRunbookd {
 public:
  TmpfsStoreRunbookd(const TempDir& dir, const std::string& config_body, size_t tmpfs_bytes);

  int port() const { return port_; }
  ChildProcess& process() { return *child_; }
  std::string Log() const { return child_->Log(); }
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(15));
  std::vector<Sample> Metrics() const;  // GET /metrics parsed; empty when it did not answer 200
  // The store directory as seen from runbookd's mount namespace, reachable from the test.
  std::string StoreDirView() const;
  // Writes `name` in the store directory until the tmpfs is full (ENOSPC); returns the bytes
  // written, or -1 (with `why`) if the file system did not fill up as expected.
  int64_t Fill(const std::string& name, std::string* why) const;
  // Removes the file written by Fill.
  bool Unfill(const std::string& name, std::string* why) const;
  // Free bytes of the store's file system (statvfs through /proc/PID/root), -1 on error.
  int64_t FreeBytes() const;
  // The file system type name of the store directory ("tmpfs" when the mount worked).
  std::string StoreFsType() const;

 private:
  std::string store_dir_;
  int port_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace runbookd::testing
