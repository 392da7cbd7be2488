#include "tests/support/e2e_support.hpp"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runbookd::testing {

// ---- HTTP ----

namespace {

HttpReply ToReply(const httplib::Result& res) {
  HttpReply reply;
  if (!res) {
    reply.error = httplib::to_string(res.error());
    return reply;
  }
  reply.status = res->status;
  reply.body = res->body;
  reply.content_type = res->get_header_value("Content-Type");
  return reply;
}

std::unique_ptr<httplib::Client> MakeClient(int port, std::chrono::milliseconds timeout) {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", port);
  const auto secs = timeout.count() / 1000;
  const auto usecs = (timeout.count() % 1000) * 1000;
  cli->set_connection_timeout(secs, usecs);
  cli->set_read_timeout(secs, usecs);
  cli->set_write_timeout(secs, usecs);
  cli->set_keep_alive(false);
  return cli;
}

httplib::Headers ToHeaders(const std::map<std::string, std::string>& headers) {
  httplib::Headers out;
  for (const auto& [k, v] : headers) out.emplace(k, v);
  return out;
}

}  // namespace

HttpReply HttpGet(int port, const std::string& target, const std::map<std::string, std::string>& headers,
                  std::chrono::milliseconds timeout) {
  auto cli = MakeClient(port, timeout);
  return ToReply(cli->Get(target, ToHeaders(headers)));
}

HttpReply HttpPost(int port, const std::string& target, const std::string& body,
                   const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout) {
  auto cli = MakeClient(port, timeout);
  return ToReply(cli->Post(target, ToHeaders(headers), body, "application/json"));
}

std::map<std::string, std::string> Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::string UrlEncode(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// ---- Prometheus text format ----

namespace {

double ParseValue(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  size_t used = 0;
  const double v = std::stod(s, &used);
  if (used != s.size()) throw std::runtime_error("bad sample value: " + s);
  return v;
}

}  // namespace

std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          throw std::runtime_error("bad labels in: " + line);
        }
        std::string key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) throw std::runtime_error("unterminated label value in: " + line);
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) throw std::runtime_error("unterminated labels in: " + line);
      ++i;  // '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t end = line.find(' ', i);
    s.value = ParseValue(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

bool Matches(const Sample& s, const std::string& name, const std::map<std::string, std::string>& labels) {
  if (s.name != name) return false;
  for (const auto& [k, v] : labels) {
    auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::optional<double> FindSample(const std::vector<Sample>& samples, const std::string& name,
                                 const std::map<std::string, std::string>& labels) {
  for (const auto& s : samples) {
    if (Matches(s, name, labels)) return s.value;
  }
  return std::nullopt;
}

double SumSamples(const std::vector<Sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& s : samples) {
    if (Matches(s, name, labels)) sum += s.value;
  }
  return sum;
}

// ---- sd_notify ----

SdNotifyListener::SdNotifyListener(const std::string& dir) : path_(dir + "/notify.sock") {
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) throw std::runtime_error("notify socket path too long: " + path_);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  ::unlink(path_.c_str());
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("bind " + path_ + ": " + std::strerror(errno));
  }
}

SdNotifyListener::~SdNotifyListener() {
  if (fd_ >= 0) close(fd_);
  ::unlink(path_.c_str());
}

void SdNotifyListener::ReceiveOne(std::chrono::milliseconds limit) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(limit.count())) <= 0) return;
  char buf[4096];
  char control[CMSG_SPACE(sizeof(int) * 16)];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return;
  // A sender may pass descriptors (systemd-notify's BARRIER=1): close them, as systemd does.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        close(fd);
      }
    }
  }
  datagrams_.emplace_back(buf, static_cast<size_t>(n));
}

std::map<std::string, std::string> NotifyFields(const std::string& datagram) {
  std::map<std::string, std::string> out;
  std::istringstream in(datagram);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::optional<size_t> SdNotifyListener::Find(const std::string& line, size_t from) const {
  const size_t eq = line.find('=');
  const std::string key = line.substr(0, eq);
  const std::string value = eq == std::string::npos ? std::string() : line.substr(eq + 1);
  for (size_t i = from; i < datagrams_.size(); ++i) {
    auto fields = NotifyFields(datagrams_[i]);
    auto it = fields.find(key);
    if (it != fields.end() && it->second == value) return i;
  }
  return std::nullopt;
}

size_t SdNotifyListener::Count(const std::string& line, size_t from) const {
  size_t n = 0;
  for (auto i = Find(line, from); i; i = Find(line, *i + 1)) ++n;
  return n;
}

std::string SdNotifyListener::Dump() const {
  std::string out;
  for (size_t i = 0; i < datagrams_.size(); ++i) {
    std::string d = datagrams_[i];
    for (char& c : d) {
      if (c == '\n') c = '|';
    }
    out += "  [" + std::to_string(i) + "] " + d + "\n";
  }
  return out.empty() ? "  (no datagrams)\n" : out;
}

// ---- runbookd ----

std::string E2eRunbookdBinary() { return std::string(RUNBOOKD_TEST_BINARY_DIR) + "/daemon/app/runbookd"; }

std::string WriteToken(const TempDir& dir, const std::string& name, const std::string& token) {
  const std::string file = dir.Write("tokens/" + name, token + "\n");
  chmod(file.c_str(), 0600);
  return file;
}

E2eRunbookd::E2eRunbookd(const TempDir& dir, const std::string& config_body, E2eRunbookdOptions options)
    : dir_(dir.path()), port_(FreePort()), config_file_(dir.path() + "/runbookd.yaml") {
  WriteConfig(config_body);
  std::vector<std::string> argv;
  if (options.watchdog_pid_is_self) {
    argv = {"/bin/sh", "-c", "export WATCHDOG_PID=$$; exec \"$0\" --config \"$1\"", E2eRunbookdBinary(), config_file_};
  } else {
    argv = {E2eRunbookdBinary(), "--config", config_file_};
  }
  child_ = std::make_unique<ChildProcess>(argv, dir_ + "/runbookd.log", options.env, dir_);
}

std::string E2eRunbookd::ConfigText(const std::string& body) const {
  std::string text;
  if (body.find("\nserver:") == std::string::npos && body.rfind("server:", 0) != 0) {
    text += "server:\n  listen: 127.0.0.1:" + std::to_string(port_) + "\n";
  }
  if (body.find("\nstore:") == std::string::npos && body.rfind("store:", 0) != 0) {
    text += "store:\n  path: " + dir_ + "/runbookd.db\n";
  }
  return text + body;
}

void E2eRunbookd::WriteConfig(const std::string& body) const {
  // Write beside and rename, so that a reload never reads a half-written file.
  const std::string tmp = config_file_ + ".tmp";
  { std::ofstream(tmp, std::ios::binary) << ConfigText(body); }
  std::filesystem::rename(tmp, config_file_);
}

bool E2eRunbookd::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil(
             [&] {
               if (!child_->running()) return true;  // stop polling; answered false below
               return HttpGet(port_, "/-/ready", {}, std::chrono::seconds(1)).status == 200;
             },
             limit) &&
         child_->running();
}

std::vector<Sample> E2eRunbookd::Metrics() const {
  HttpReply r = HttpGet(port_, "/metrics");
  if (r.status != 200) return {};
  return ParseMetrics(r.body);
}

}  // namespace runbookd::testing
