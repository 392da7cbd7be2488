// Load client for bench/webhook_ingest.sh, built by that script (not by CMake): posts Alertmanager
// webhook v4 payloads to runbookd's POST /api/v1/alerts over keep-alive connections, from one
// epoll loop, every alert with a fingerprint of its own (so each one is a new row, committed
// before its 200).
//
//   webhook_ingest closed PORT TOKEN_FILE CONNECTIONS ALERTS_PER_PAYLOAD SECONDS [WARMUP_SECONDS [POOL]]
//       closed loop: each connection sends its next request as soon as the previous one is
//       answered. Counts what completes after the warm-up.
//   webhook_ingest open PORT TOKEN_FILE RATE SECONDS CONNECTIONS [POOL]
//       open loop, 1 alert per payload: request i is due at start + i/RATE and goes out on an
//       idle connection; its latency runs from when it was due (a request that waits for a
//       connection counts its wait: no coordinated omission).
//   POOL (default 0): 0 makes every alert new; N > 0 cycles through N alerts, i.e. repeat
//   deliveries of the same N firing alerts (only their last-seen time changes).
//
// Prints one line of key=value pairs: mode, connections, alerts_per_payload, seconds, requests,
// ok, non_2xx, errors, alerts_ok, alerts_per_s, p50_ms, p90_ms, p99_ms, max_ms, late (open loop:
// requests that had to wait for a free connection).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string ReadToken(const char* file) {
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    std::fprintf(stderr, "webhook_ingest: no token in %s\n", file);
    std::exit(2);
  }
  return token;
}

// ---- payloads ----

class Payloads {
 public:
  // pool > 0: fingerprints cycle through `pool` alerts (repeat deliveries of the same alerts, as
  // Alertmanager re-sends them), instead of a new alert every time.
  Payloads(int port, const std::string& token, uint64_t pool) : port_(port), token_(token), pool_(pool) {
    // A per-run prefix keeps the fingerprints of two runs apart.
    std::random_device rd;
    prefix_ = (static_cast<uint64_t>(rd()) << 32 | rd()) & 0xffff000000000000ULL;
    // Alertmanager's own format: startsAt with nanoseconds, endsAt zero while firing.
    starts_at_ = "2026-11-22T22:30:16.855632340Z";
  }

  // A complete HTTP request carrying `alerts` new alerts.
  std::string Request(int alerts) {
    std::string body;
    body.reserve(static_cast<size_t>(alerts) * 420 + 400);
    body += R"({"receiver":"runbookd","status":"firing","alerts":[)";
    for (int i = 0; i < alerts; ++i) {
      const uint64_t n = pool_ > 0 ? counter_++ % pool_ + 1 : ++counter_;
      char fp[17];
      std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(prefix_ | n));
      if (i > 0) body += ',';
      body += R"({"status":"firing","labels":{"alertname":"BenchAlert","instance":"host-)";
      body += std::to_string(n % 100);
      body += R"(:9100","job":"node","severity":"warning","seq":")";
      body += std::to_string(n);
      body += R"("},"annotations":{"summary":"benchmark alert","description":"posted by bench/webhook_ingest"},)";
      body += R"("startsAt":")" + starts_at_ + R"(","endsAt":"0001-01-01T00:00:00Z",)";
      body += R"("generatorURL":"http://prometheus:9090/graph?g0.expr=up%3D%3D0","fingerprint":")";
      body += fp;
      body += R"("})";
    }
    body += R"(],"groupLabels":{"alertname":"BenchAlert"},"commonLabels":{"alertname":"BenchAlert","job":"node"},)";
    body += R"("commonAnnotations":{"summary":"benchmark alert"},"externalURL":"http://alertmanager:9093",)";
    body += R"("version":"4","groupKey":"{}:{alertname=\"BenchAlert\"}","truncatedAlerts":0})";
    std::string req =
        "POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
        "\r\nUser-Agent: Alertmanager/0.25.0\r\nContent-Type: application/json\r\nAuthorization: Bearer " + token_ +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    return req + body;
  }

 private:
  int port_;
  std::string token_;
  uint64_t prefix_ = 0;
  uint64_t pool_ = 0;
  uint64_t counter_ = 0;
  std::string starts_at_;
};

// ---- connections ----

struct Conn {
  int fd = -1;
  bool connected = false;
  bool busy = false;
  std::string out;  // unsent part of the current request
  std::string in;
  TimePoint started;  // when the request was due (open loop) or sent (closed loop)
  int alerts = 0;
};

struct Stats {
  uint64_t requests = 0, ok = 0, non_2xx = 0, errors = 0, alerts_ok = 0, late = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
};

class Client {
 public:
  Client(int port, int connections) : port_(port), conns_(static_cast<size_t>(connections)) {
    ep_ = epoll_create1(0);
    if (ep_ < 0) Die("epoll_create1");
    for (size_t i = 0; i < conns_.size(); ++i) Open(i);
  }

  // Starts `request` on connection i (idle), due at `due`.
  void Send(size_t i, std::string request, int alerts, TimePoint due) {
    Conn& c = conns_[i];
    c.busy = true;
    c.out = std::move(request);
    c.alerts = alerts;
    c.started = due;
    if (c.connected) Flush(i);
  }

  // Waits for events until `deadline`; calls done(i, status or 0 on error, alerts, started) for each
  // completed request.
  template <typename Done>
  void Poll(TimePoint deadline, Done&& done) {
    const auto left = deadline - SteadyClock::now();
    timespec ts{};
    if (left > SteadyClock::duration::zero()) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      ts.tv_sec = ns / 1000000000;
      ts.tv_nsec = ns % 1000000000;
    }
    epoll_event events[128];
    const int n = epoll_pwait2(ep_, events, 128, &ts, nullptr);
    if (n < 0 && errno != EINTR) Die("epoll_pwait2");
    for (int k = 0; k < n; ++k) {
      const size_t i = events[k].data.u64;
      Conn& c = conns_[i];
      if (!c.connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          Fail(i, std::string("connect: ") + std::strerror(err), done);
          continue;
        }
        c.connected = true;
        Watch(i, EPOLLIN);
        if (c.busy) Flush(i);
        continue;
      }
      if (events[k].events & EPOLLOUT) Flush(i);
      if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Read(i, done);
    }
  }

  size_t size() const { return conns_.size(); }
  bool busy(size_t i) const { return conns_[i].busy; }
  size_t in_flight() const {
    return static_cast<size_t>(std::count_if(conns_.begin(), conns_.end(), [](const Conn& c) { return c.busy; }));
  }

 private:
  void Open(size_t i) {
    Conn& c = conns_[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) Die("socket");
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int r = connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (r != 0 && errno != EINPROGRESS) Die("connect");
    c.connected = r == 0;
    c.in.clear();
    epoll_event ev{};
    ev.events = c.connected ? EPOLLIN : EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void Watch(size_t i, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, conns_[i].fd, &ev);
  }

  void Reopen(size_t i) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, conns_[i].fd, nullptr);
    close(conns_[i].fd);
    Open(i);
  }

  void Flush(size_t i) {
    Conn& c = conns_[i];
    while (!c.out.empty()) {
      const ssize_t w = write(c.fd, c.out.data(), c.out.size());
      if (w > 0) {
        c.out.erase(0, static_cast<size_t>(w));
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Watch(i, EPOLLIN | EPOLLOUT);
        return;
      }
      return;  // the read side reports the broken connection
    }
    Watch(i, EPOLLIN);
  }

  template <typename Done>
  void Fail(size_t i, const std::string& why, Done& done) {
    Conn& c = conns_[i];
    const bool was_busy = c.busy;
    c.busy = false;
    c.out.clear();
    Reopen(i);
    if (was_busy) done(i, 0, c.alerts, c.started, why);
  }

  template <typename Done>
  void Read(size_t i, Done& done) {
    Conn& c = conns_[i];
    char buf[65536];
    bool closed = false;
    for (;;) {
      const ssize_t r = read(c.fd, buf, sizeof buf);
      if (r > 0) {
        c.in.append(buf, static_cast<size_t>(r));
        continue;
      }
      if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
      break;
    }
    const size_t head_end = c.in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::string head = c.in.substr(0, head_end + 2);
      size_t length = 0;
      bool close_after = false;
      for (size_t p = head.find("\r\n"); p != std::string::npos && p + 2 < head.size(); p = head.find("\r\n", p + 2)) {
        const char* line = head.c_str() + p + 2;
        if (strncasecmp(line, "content-length:", 15) == 0) length = std::strtoull(line + 15, nullptr, 10);
        if (strncasecmp(line, "connection:", 11) == 0) close_after = std::strstr(line, "close") != nullptr;
      }
      if (c.in.size() >= head_end + 4 + length) {
        const int status = std::atoi(head.c_str() + 9);  // "HTTP/1.1 200"
        std::string body = c.in.substr(head_end + 4, length);
        c.in.erase(0, head_end + 4 + length);
        c.busy = false;
        done(i, status, c.alerts, c.started, status / 100 == 2 ? std::string() : body);
        if (close_after) Reopen(i);
        return;
      }
    }
    if (closed) Fail(i, "connection closed by runbookd", done);
  }

  int port_;
  int ep_ = -1;
  std::vector<Conn> conns_;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

void Report(const char* mode, int connections, int per_payload, double seconds, Stats& s) {
  std::vector<double> lat = s.latencies_ms;
  const double p50 = Percentile(lat, 0.50), p90 = Percentile(lat, 0.90), p99 = Percentile(lat, 0.99);
  const double max = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  std::printf(
      "mode=%s connections=%d alerts_per_payload=%d seconds=%.2f requests=%llu ok=%llu non_2xx=%llu errors=%llu "
      "alerts_ok=%llu alerts_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f late=%llu\n",
      mode, connections, per_payload, seconds, static_cast<unsigned long long>(s.requests),
      static_cast<unsigned long long>(s.ok), static_cast<unsigned long long>(s.non_2xx),
      static_cast<unsigned long long>(s.errors), static_cast<unsigned long long>(s.alerts_ok),
      static_cast<double>(s.alerts_ok) / seconds, p50, p90, p99, max, static_cast<unsigned long long>(s.late));
  if (!s.first_error.empty()) std::fprintf(stderr, "first failure: %s\n", s.first_error.c_str());
}

int Closed(int port, const std::string& token, int connections, int per_payload, double seconds, double warmup,
           uint64_t pool) {
  Payloads payloads(port, token, pool);
  Client client(port, connections);
  Stats s;
  const TimePoint start = SteadyClock::now();
  const TimePoint measure_from =
      start + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(warmup));
  const TimePoint end =
      measure_from + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
  std::deque<size_t> idle;
  auto done = [&](size_t i, int status, int alerts, TimePoint started, const std::string& why) {
    const TimePoint now = SteadyClock::now();
    if (now >= measure_from && now < end) {
      ++s.requests;
      if (status / 100 == 2) {
        ++s.ok;
        s.alerts_ok += static_cast<uint64_t>(alerts);
        s.latencies_ms.push_back(Ms(now - started));
      } else {
        ++(status == 0 ? s.errors : s.non_2xx);
        if (s.first_error.empty()) s.first_error = std::to_string(status) + " " + why;
      }
    }
    idle.push_back(i);
  };
  for (size_t i = 0; i < client.size(); ++i) idle.push_back(i);
  while (SteadyClock::now() < end) {
    while (!idle.empty()) {
      const size_t i = idle.front();
      idle.pop_front();
      client.Send(i, payloads.Request(per_payload), per_payload, SteadyClock::now());
    }
    client.Poll(end, done);
  }
  // Let what is in flight finish (not counted), so runbookd is not left with half requests.
  const TimePoint drain = SteadyClock::now() + std::chrono::seconds(10);
  while (client.in_flight() > 0 && SteadyClock::now() < drain) client.Poll(drain, done);
  Report("closed", connections, per_payload, seconds, s);
  return 0;
}

int Open(int port, const std::string& token, double rate, double seconds, int connections, uint64_t pool) {
  Payloads payloads(port, token, pool);
  Client client(port, connections);
  Stats s;
  const auto interval = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / rate));
  const uint64_t total = static_cast<uint64_t>(rate * seconds);
  const TimePoint start = SteadyClock::now() + std::chrono::milliseconds(100);  // connections open meanwhile
  uint64_t sent = 0, completed = 0;
  auto done = [&](size_t, int status, int alerts, TimePoint due, const std::string& why) {
    ++completed;
    ++s.requests;
    if (status / 100 == 2) {
      ++s.ok;
      s.alerts_ok += static_cast<uint64_t>(alerts);
      s.latencies_ms.push_back(Ms(SteadyClock::now() - due));
    } else {
      ++(status == 0 ? s.errors : s.non_2xx);
      if (s.first_error.empty()) s.first_error = std::to_string(status) + " " + why;
    }
  };
  const TimePoint hard_end =
      start + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds + 10));
  size_t next_conn = 0;
  while (completed < total && SteadyClock::now() < hard_end) {
    const TimePoint now = SteadyClock::now();
    // Send every request that is due, each on an idle connection.
    while (sent < total && start + interval * static_cast<int64_t>(sent) <= now) {
      size_t found = client.size();
      for (size_t k = 0; k < client.size(); ++k) {
        const size_t i = (next_conn + k) % client.size();
        if (!client.busy(i)) {
          found = i;
          break;
        }
      }
      if (found == client.size()) break;  // all busy: it waits, and its latency counts the wait
      next_conn = found + 1;
      const TimePoint due = start + interval * static_cast<int64_t>(sent);
      if (now - due > std::chrono::milliseconds(1)) ++s.late;
      client.Send(found, payloads.Request(1), 1, due);
      ++sent;
    }
    const TimePoint next_due = sent < total ? start + interval * static_cast<int64_t>(sent) : hard_end;
    client.Poll(std::min(next_due, hard_end), done);
  }
  Report("open", connections, 1, seconds, s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 7 && std::strcmp(argv[1], "closed") == 0) {
    return Closed(std::atoi(argv[2]), ReadToken(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]), std::atof(argv[6]),
                  argc >= 8 ? std::atof(argv[7]) : 1.0, argc >= 9 ? std::strtoull(argv[8], nullptr, 10) : 0);
  }
  if ((argc == 7 || argc == 8) && std::strcmp(argv[1], "open") == 0) {
    return Open(std::atoi(argv[2]), ReadToken(argv[3]), std::atof(argv[4]), std::atof(argv[5]), std::atoi(argv[6]),
                argc == 8 ? std::strtoull(argv[7], nullptr, 10) : 0);
  }
  std::fprintf(stderr,
               "usage: webhook_ingest closed PORT TOKEN_FILE CONNECTIONS ALERTS_PER_PAYLOAD SECONDS [WARMUP [POOL]]\n"
               "       webhook_ingest open PORT TOKEN_FILE RATE SECONDS CONNECTIONS [POOL]\n");
  return 2;
}
