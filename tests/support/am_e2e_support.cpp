#include "tests/support/am_e2e_support.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace runbookd::testing {

namespace json = boost::json;

std::string Rfc3339Millis(WallPoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

WallPoint TruncateToMillis(WallPoint t) {
  return WallPoint(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()));
}

// ---- Alertmanager ----

std::string AlertmanagerConfigForRunbookd(int runbookd_port, const std::string& credentials_file,
                                          const AmRoute& route) {
  return "route:\n"
         "  receiver: runbookd\n"
         "  group_by: " +
         route.group_by +
         "\n"
         "  group_wait: " +
         route.group_wait +
         "\n"
         "  group_interval: " +
         route.group_interval +
         "\n"
         "  repeat_interval: " +
         route.repeat_interval +
         "\n"
         "receivers:\n"
         "  - name: runbookd\n"
         "    webhook_configs:\n"
         "      - url: http://127.0.0.1:" +
         std::to_string(runbookd_port) +
         "/api/v1/alerts\n"
         "        send_resolved: true\n"
         "        http_config:\n"
         "          authorization:\n"
         "            type: Bearer\n"
         "            credentials_file: " +
         credentials_file + "\n";
}

AlertmanagerPeer::AlertmanagerPeer(const TempDir& dir, const std::string& config_yaml) : port_(FreePort()) {
  config_file_ = dir.Write("alertmanager/alertmanager.yml", config_yaml);
  const std::string data = dir.path() + "/alertmanager/data";
  std::filesystem::create_directories(data);
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus-alertmanager", "--config.file=" + config_file_,
                               "--storage.path=" + data, "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                               "--cluster.listen-address=", "--log.level=debug"},
      dir.path() + "/alertmanager/alertmanager.log", std::map<std::string, std::string>{},
      dir.path() + "/alertmanager");
}

bool AlertmanagerPeer::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil(
             [&] {
               if (!child_->running()) return true;
               return HttpGet(port_, "/-/ready", {}, std::chrono::seconds(1)).status == 200;
             },
             limit) &&
         child_->running();
}

HttpReply AlertmanagerPeer::PostAlerts(const std::string& json_array) const {
  return HttpPost(port_, "/api/v2/alerts", json_array);
}

std::optional<std::vector<AmAlert>> AmAlerts(int alertmanager_port, std::string* why) {
  HttpReply r = HttpGet(alertmanager_port, "/api/v2/alerts", {}, std::chrono::seconds(5));
  if (r.status != 200) {
    if (why) *why = "GET /api/v2/alerts: HTTP " + std::to_string(r.status) + " " + r.body + r.error;
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_array()) {
    if (why) *why = "GET /api/v2/alerts: not a JSON array: " + r.body;
    return std::nullopt;
  }
  std::vector<AmAlert> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    AmAlert a;
    if (const auto* fp = o.if_contains("fingerprint"); fp && fp->is_string()) a.fingerprint = fp->as_string();
    if (const auto* labels = o.if_contains("labels"); labels && labels->is_object()) {
      for (const auto& [k, lv] : labels->as_object()) {
        if (lv.is_string()) a.labels[std::string(k)] = std::string(lv.as_string());
      }
    }
    if (const auto* status = o.if_contains("status"); status && status->is_object()) {
      if (const auto* st = status->as_object().if_contains("state"); st && st->is_string()) a.state = st->as_string();
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string AmApiAlert(const std::map<std::string, std::string>& labels, WallPoint starts_at,
                       std::optional<WallPoint> ends_at) {
  json::object l;
  for (const auto& [k, v] : labels) l[k] = v;
  json::object a{{"labels", std::move(l)},
                 {"annotations", json::object{{"summary", "injected by an e2e test"}}},
                 {"startsAt", Rfc3339Millis(starts_at)},
                 {"generatorURL", "http://127.0.0.1/e2e"}};
  if (ends_at) a["endsAt"] = Rfc3339Millis(*ends_at);
  return json::serialize(a);
}

// ---- Prometheus ----

PrometheusPeer::PrometheusPeer(const TempDir& dir, const std::string& config_yaml,
                               const std::map<std::string, std::string>& files)
    : port_(FreePort()), dir_(dir.path() + "/prometheus") {
  const std::string config = dir.Write("prometheus/prometheus.yml", config_yaml);
  for (const auto& [name, content] : files) dir.Write("prometheus/" + name, content);
  std::filesystem::create_directories(dir_ + "/data");
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + config,
                               "--storage.tsdb.path=" + dir_ + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=debug"},
      dir_ + "/prometheus.log", std::map<std::string, std::string>{}, dir_);
}

bool PrometheusPeer::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil(
             [&] {
               if (!child_->running()) return true;
               return HttpGet(port_, "/-/ready", {}, std::chrono::seconds(1)).status == 200;
             },
             limit) &&
         child_->running();
}

// ---- runbookd's webhook and incidents ----

std::string WebhookPayload(const std::vector<WebhookAlert>& alerts, const std::string& group_key) {
  json::array items;
  for (const auto& a : alerts) {
    json::object labels;
    for (const auto& [k, v] : a.labels) labels[k] = v;
    items.push_back(json::object{{"status", "firing"},
                                 {"labels", std::move(labels)},
                                 {"annotations", json::object{{"summary", "streamed by an e2e test"}}},
                                 {"startsAt", Rfc3339Millis(a.starts_at)},
                                 {"endsAt", "0001-01-01T00:00:00Z"},
                                 {"generatorURL", "http://127.0.0.1/e2e"},
                                 {"fingerprint", a.fingerprint}});
  }
  json::object body{{"receiver", "runbookd"},
                    {"status", "firing"},
                    {"alerts", std::move(items)},
                    {"groupLabels", json::object{}},
                    {"commonLabels", json::object{}},
                    {"commonAnnotations", json::object{}},
                    {"externalURL", "http://127.0.0.1:9093"},
                    {"version", "4"},
                    {"groupKey", group_key},
                    {"truncatedAlerts", 0}};
  return json::serialize(body);
}

namespace {

std::string Str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

IncidentView ToIncident(const json::object& o) {
  IncidentView view;
  if (const auto* id = o.if_contains("id"); id && id->is_int64()) view.id = id->as_int64();
  view.rule = Str(o, "rule");
  view.state = Str(o, "state");
  view.severity = Str(o, "severity");
  if (const auto* t = o.if_contains("timeline"); t && t->is_array()) {
    for (const auto& e : t->as_array()) {
      if (!e.is_object()) continue;
      const auto& eo = e.as_object();
      view.timeline.push_back({Str(eo, "at"), Str(eo, "source"), Str(eo, "kind"), Str(eo, "message")});
    }
  }
  return view;
}

std::optional<json::value> GetJson(int port, const std::string& token, const std::string& target, std::string* why) {
  HttpReply r = HttpGet(port, target, Bearer(token), std::chrono::seconds(5));
  if (r.status != 200) {
    if (why) *why = "GET " + target + ": HTTP " + std::to_string(r.status) + " " + r.body + r.error;
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    if (why) *why = "GET " + target + ": not a JSON object: " + r.body;
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<std::vector<IncidentView>> ListIncidents(int port, const std::string& reader_token, bool all,
                                                       std::string* why) {
  auto v = GetJson(port, reader_token, all ? "/api/v1/incidents?all=1" : "/api/v1/incidents", why);
  if (!v) return std::nullopt;
  const auto* items = v->as_object().if_contains("incidents");
  if (!items || !items->is_array()) {
    if (why) *why = "no incidents array in " + json::serialize(*v);
    return std::nullopt;
  }
  std::vector<IncidentView> out;
  for (const auto& i : items->as_array()) {
    if (i.is_object()) out.push_back(ToIncident(i.as_object()));
  }
  return out;
}

std::optional<IncidentView> GetIncident(int port, const std::string& reader_token, int64_t id, std::string* why) {
  auto v = GetJson(port, reader_token, "/api/v1/incidents/" + std::to_string(id), why);
  if (!v) return std::nullopt;
  return ToIncident(v->as_object());
}

bool TimelineNamesAlert(const IncidentView& incident, const std::string& fingerprint) {
  for (const auto& e : incident.timeline) {
    if (e.source == "alert:" + fingerprint) return true;
    if (e.source == "rule" && e.message.find("fp=" + fingerprint) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const std::vector<IncidentView>& incidents) {
  if (incidents.empty()) return "  (no incidents)\n";
  std::string out;
  for (const auto& i : incidents) {
    out += "  #" + std::to_string(i.id) + " rule=" + i.rule + " state=" + i.state + " severity=" + i.severity + "\n";
    for (const auto& e : i.timeline) {
      out += "    " + e.at + " " + e.source + " " + e.kind + ": " + e.message + "\n";
    }
  }
  return out;
}

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  if (needle.empty()) return 0;
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// ---- runbookd with its store on a private tmpfs ----

namespace {

const char* kMountThenExec =
    "mount -t tmpfs -o size=\"$1\",mode=0700 runbookd-e2e-store \"$2\" && exec \"$3\" --config \"$4\"";

}  // namespace

bool PrivateTmpfsAvailable(std::string* why) {
  TempDir probe;
  const std::string mnt = probe.path() + "/mnt";
  std::filesystem::create_directories(mnt);
  CommandResult r =
      RunCommand({"unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                  "mount -t tmpfs -o size=1m probe \"$1\" && touch \"$1\"/x && umount \"$1\"", "sh", mnt});
  if (r.exit_code != 0) {
    if (why) *why = "unshare --mount + mount -t tmpfs failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
    return false;
  }
  return true;
}

TmpfsStoreRunbookd::TmpfsStoreRunbookd(const TempDir& dir, const std::string& config_body, size_t tmpfs_bytes)
    : store_dir_(dir.path() + "/store"), port_(FreePort()) {
  std::filesystem::create_directories(store_dir_);
  const std::string config =
      dir.Write("runbookd.yaml", "server:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                                     "\nstore:\n  path: " + store_dir_ + "/runbookd.db\n" + config_body);
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", kMountThenExec,
                               "sh", std::to_string(tmpfs_bytes), store_dir_, E2eRunbookdBinary(), config},
      dir.path() + "/runbookd.log", std::map<std::string, std::string>{}, dir.path());
}

bool TmpfsStoreRunbookd::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil(
             [&] {
               if (!child_->running()) return true;
               return HttpGet(port_, "/-/ready", {}, std::chrono::seconds(1)).status == 200;
             },
             limit) &&
         child_->running();
}

std::vector<Sample> TmpfsStoreRunbookd::Metrics() const {
  HttpReply r = HttpGet(port_, "/metrics");
  if (r.status != 200) return {};
  return ParseMetrics(r.body);
}

std::string TmpfsStoreRunbookd::StoreDirView() const {
  return "/proc/" + std::to_string(child_->pid()) + "/root" + store_dir_;
}

int64_t TmpfsStoreRunbookd::Fill(const std::string& name, std::string* why) const {
  const std::string path = StoreDirView() + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (why) *why = "open " + path + ": " + std::strerror(errno);
    return -1;
  }
  static const std::string kBlock(4096, '\0');
  int64_t written = 0;
  int error = 0;
  // Bounded: the tmpfs is small; a file system that swallows 1 GiB is not the one we mounted.
  while (written < (int64_t{1} << 30)) {
    const ssize_t n = ::write(fd, kBlock.data(), kBlock.size());
    if (n < 0) {
      error = errno;
      break;
    }
    written += n;
  }
  ::fsync(fd);
  ::close(fd);
  if (error != ENOSPC) {
    if (why)
      *why = "writing " + path + " stopped after " + std::to_string(written) + " bytes with " +
             (error ? std::strerror(error) : "no error") + ", expected ENOSPC";
    return -1;
  }
  return written;
}

bool TmpfsStoreRunbookd::Unfill(const std::string& name, std::string* why) const {
  const std::string path = StoreDirView() + "/" + name;
  if (::unlink(path.c_str()) != 0) {
    if (why) *why = "unlink " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int64_t TmpfsStoreRunbookd::FreeBytes() const {
  struct statvfs st {};
  if (::statvfs(StoreDirView().c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

std::string TmpfsStoreRunbookd::StoreFsType() const {
  struct statfs st {};
  if (::statfs(StoreDirView().c_str(), &st) != 0) return std::string("statfs: ") + std::strerror(errno);
  return st.f_type == TMPFS_MAGIC ? "tmpfs" : "f_type=" + std::to_string(static_cast<long long>(st.f_type));
}

}  // namespace runbookd::testing
