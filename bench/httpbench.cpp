// Helpers for bench/http_probe_cpu.sh, built by that script (not by CMake): a fast HTTP target
// and a load driver, both single-threaded epoll loops so that they cost little next to the
// probers being measured.
//
//   httpbench serve PORT
//       HTTP/1.1 on 127.0.0.1:PORT answering every request with 200 "ok\n" (keep-alive honoured);
//       GET /__count answers the number of other requests served so far.
//   httpbench drive PORT PATH CONCURRENCY SECONDS [NEEDLE]
//       keeps CONCURRENCY keep-alive connections busy with GET PATH for SECONDS, then prints
//       "completed=N matched=M failed=F" (matched: 200 answers whose body contains NEEDLE).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void NonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool HeaderSaysClose(const std::string& head) {
  for (size_t i = 0; i < head.size(); ++i) {
    if (strncasecmp(head.c_str() + i, "\nconnection:", 12) == 0) {
      size_t j = i + 12;
      while (j < head.size() && head[j] == ' ') ++j;
      return strncasecmp(head.c_str() + j, "close", 5) == 0;
    }
  }
  // No Connection header: HTTP/1.0 closes, HTTP/1.1 keeps the connection.
  const std::string first_line = head.substr(0, head.find("\r\n"));
  return first_line.find("HTTP/1.0") != std::string::npos;
}

// ---- serve ----

struct ServerConn {
  std::string in;
  std::string out;
  bool close_after = false;
};

int Serve(int port) {
  const int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = Loopback(port);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("bind");
  if (listen(lfd, 4096) != 0) Die("listen");
  NonBlocking(lfd);
  const int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, ServerConn> conns;
  unsigned long long served = 0;
  static const std::string kOk =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nServer: httpbench\r\n";
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  std::vector<epoll_event> events(256);
  char buf[16384];
  for (;;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          const int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      ServerConn& conn = conns[fd];
      bool dead = false;
      for (;;) {
        const ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) {
          conn.in.append(buf, static_cast<size_t>(r));
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) dead = true;
        break;
      }
      size_t end;
      while (!conn.close_after && (end = conn.in.find("\r\n\r\n")) != std::string::npos) {
        const std::string head = conn.in.substr(0, end + 2);
        conn.in.erase(0, end + 4);
        const bool close = HeaderSaysClose(head);
        if (head.compare(0, 14, "GET /__count H") == 0) {
          const std::string body = std::to_string(served) + "\n";
          conn.out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + body;
        } else {
          ++served;
          conn.out += kOk + (close ? "Connection: close\r\n\r\nok\n" : "\r\nok\n");
        }
        conn.close_after = close;
      }
      while (!conn.out.empty()) {
        const ssize_t w = write(fd, conn.out.data(), conn.out.size());
        if (w <= 0) break;  // a loopback socket buffer is large; a short write is rare
        conn.out.erase(0, static_cast<size_t>(w));
      }
      if (dead || (conn.close_after && conn.out.empty())) {
        close(fd);
        conns.erase(fd);
      }
    }
  }
}

// ---- drive ----

// Decodes a chunked body; false while the last (zero-size) chunk has not arrived yet.
bool Dechunk(const std::string& raw, std::string* out) {
  out->clear();
  size_t pos = 0;
  for (;;) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    const size_t size = std::strtoull(raw.c_str() + pos, nullptr, 16);
    if (size == 0) return raw.find("\r\n", eol + 2) != std::string::npos;  // trailers end with CRLF
    if (raw.size() < eol + 2 + size + 2) return false;
    out->append(raw, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
}

struct DriveConn {
  int fd = -1;
  std::string in;
  bool connecting = false;
};

int Drive(int port, const std::string& path, int concurrency, double seconds, const std::string& needle) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nUser-Agent: httpbench\r\nAccept: */*\r\n\r\n";
  const int ep = epoll_create1(0);
  std::vector<DriveConn> conns(static_cast<size_t>(concurrency));
  unsigned long long completed = 0, matched = 0, failed = 0;

  auto open_and_send = [&](size_t idx) {
    DriveConn& c = conns[idx];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a = Loopback(port);
    const int r = connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    c.connecting = r != 0 && errno == EINPROGRESS;
    if (r != 0 && !c.connecting) Die("connect");
    c.in.clear();
    epoll_event ev{};
    ev.events = c.connecting ? EPOLLOUT : EPOLLIN;
    ev.data.u64 = idx;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    if (!c.connecting && write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      Die("write");
    }
  };
  auto reopen = [&](size_t idx) {
    epoll_ctl(ep, EPOLL_CTL_DEL, conns[idx].fd, nullptr);
    close(conns[idx].fd);
    open_and_send(idx);
  };

  for (size_t i = 0; i < conns.size(); ++i) open_and_send(i);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(256);
  char buf[65536];
  while (std::chrono::steady_clock::now() < end) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      const size_t idx = events[e].data.u64;
      DriveConn& c = conns[idx];
      if (c.connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) Die("connect (async)");
        c.connecting = false;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = idx;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        if (write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) Die("write");
        continue;
      }
      bool peer_closed = false;
      for (;;) {
        const ssize_t r = read(c.fd, buf, sizeof buf);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) peer_closed = true;
        break;
      }
      const size_t head_end = c.in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::string head = c.in.substr(0, head_end + 2);
        size_t length = 0;
        bool have_length = false;
        for (size_t i = 0; i < head.size(); ++i) {
          if (strncasecmp(head.c_str() + i, "\ncontent-length:", 16) == 0) {
            length = std::strtoull(head.c_str() + i + 16, nullptr, 10);
            have_length = true;
            break;
          }
        }
        const bool chunked = head.find("chunked") != std::string::npos;
        std::string body_part = c.in.substr(head_end + 4);
        bool complete = false;
        if (have_length) {
          complete = body_part.size() >= length;
        } else if (chunked) {
          std::string decoded;
          complete = Dechunk(body_part, &decoded);
          body_part = std::move(decoded);
        } else {
          complete = peer_closed;
        }
        if (complete) {
          ++completed;
          const bool ok = head.compare(0, 12, "HTTP/1.1 200") == 0 || head.compare(0, 12, "HTTP/1.0 200") == 0;
          if (ok && (needle.empty() || body_part.find(needle) != std::string::npos)) {
            ++matched;
          } else {
            ++failed;
          }
          if (peer_closed || HeaderSaysClose(head)) {
            reopen(idx);
          } else {
            c.in.clear();
            if (write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) Die("write");
          }
          continue;
        }
      }
      if (peer_closed) {
        ++failed;
        reopen(idx);
      }
    }
  }
  std::printf("completed=%llu matched=%llu failed=%llu\n", completed, matched, failed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "serve") == 0) return Serve(std::atoi(argv[2]));
  if (argc >= 6 && std::strcmp(argv[1], "drive") == 0) {
    return Drive(std::atoi(argv[2]), argv[3], std::atoi(argv[4]), std::atof(argv[5]), argc >= 7 ? argv[6] : "");
  }
  std::fprintf(stderr,
               "usage: httpbench serve PORT\n"
               "       httpbench drive PORT PATH CONCURRENCY SECONDS [NEEDLE]\n");
  return 2;
}
