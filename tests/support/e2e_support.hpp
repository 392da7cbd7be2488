#pragma once

// Helpers for the e2e tests (tests/e2e): start runbookd with a generated config, talk HTTP to it
// and to real peers on loopback, parse the Prometheus text format, collect sd_notify datagrams.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace runbookd::testing {

// ---- HTTP (blocking, loopback only) ----

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout, ...)
  std::string body;
  std::string content_type;
  std::string error;  // why there was no answer
};

HttpReply HttpGet(int port, const std::string& target, const std::map<std::string, std::string>& headers = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
HttpReply HttpPost(int port, const std::string& target, const std::string& body,
                   const std::map<std::string, std::string>& headers = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
std::map<std::string, std::string> Bearer(const std::string& token);
// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);

// ---- Prometheus text format ----

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the sample lines of the text exposition format (comments skipped). Throws
// std::runtime_error on a line it cannot read.
std::vector<Sample> ParseMetrics(const std::string& text);
// The value of the first sample called `name` whose labels include all of `labels`.
std::optional<double> FindSample(const std::vector<Sample>& samples, const std::string& name,
                                 const std::map<std::string, std::string>& labels = {});
// Sum over every sample called `name` whose labels include `labels` (0 when none).
double SumSamples(const std::vector<Sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels = {});

// ---- sd_notify ----

// Binds an AF_UNIX SOCK_DGRAM socket at `dir`/notify.sock and collects what arrives there, as a
// service manager would. Pass env() to the child.
class SdNotifyListener {
 public:
  explicit SdNotifyListener(const std::string& dir);
  ~SdNotifyListener();
  SdNotifyListener(const SdNotifyListener&) = delete;
  SdNotifyListener& operator=(const SdNotifyListener&) = delete;

  const std::string& path() const { return path_; }
  std::map<std::string, std::string> env() const { return {{"NOTIFY_SOCKET", path_}}; }

  // Reads datagrams until `done(all datagrams so far)` is true or the limit passes.
  template <typename F>
  bool WaitFor(F done, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done(datagrams_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      ReceiveOne(left);
    }
    return true;
  }
  // Index of the first datagram at or after `from` that carries line `line` (e.g. "READY=1").
  std::optional<size_t> Find(const std::string& line, size_t from = 0) const;
  size_t Count(const std::string& line, size_t from = 0) const;
  const std::vector<std::string>& datagrams() const { return datagrams_; }
  std::string Dump() const;  // every datagram, for failure messages

 private:
  void ReceiveOne(std::chrono::milliseconds limit);

  std::string path_;
  int fd_ = -1;
  std::vector<std::string> datagrams_;
};

// The lines of one datagram as KEY -> VALUE.
std::map<std::string, std::string> NotifyFields(const std::string& datagram);

// ---- runbookd ----

std::string E2eRunbookdBinary();  // the runbookd of this build tree

// Writes `token` to `dir`/tokens/NAME (mode 0600) and returns the file path.
std::string WriteToken(const TempDir& dir, const std::string& name, const std::string& token);

struct E2eRunbookdOptions {
  std::map<std::string, std::string> env;
  // Start through /bin/sh so that WATCHDOG_PID is the daemon's own pid (sd_watchdog_enabled).
  bool watchdog_pid_is_self = false;
};

// runbookd on 127.0.0.1:port() with the config file `dir`/runbookd.yaml. The config text is given
// by the test without a `server:` block; `server: { listen: 127.0.0.1:PORT }` and a store path in
// the temp dir are prepended unless the text already has them.
class E2eRunbookd {
 public:
  E2eRunbookd(const TempDir& dir, const std::string& config_body, E2eRunbookdOptions options = {});

  int port() const { return port_; }
  const std::string& config_file() const { return config_file_; }
  // The complete text written for `body` (server block added), e.g. to rewrite the file later.
  std::string ConfigText(const std::string& body) const;
  void WriteConfig(const std::string& body) const;
  ChildProcess& process() { return *child_; }
  std::string Log() const { return child_->Log(); }
  // Polls /-/ready until 200 (false if the process died or the limit passed).
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(15));
  HttpReply Get(const std::string& target, const std::map<std::string, std::string>& headers = {}) const {
    return HttpGet(port_, target, headers);
  }
  std::vector<Sample> Metrics() const;  // GET /metrics parsed; empty when it did not answer 200

 private:
  std::string dir_;
  int port_ = 0;
  std::string config_file_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace runbookd::testing
