#include "tests/support/dnsmasq.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace runbookd::testing {

namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

}  // namespace

bool DnsServerAnswers(int port, std::chrono::milliseconds limit) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return false;
  }
  // id 0x5253, RD, one question: ". IN SOA". Any answer at all (even REFUSED) means it is up.
  const unsigned char query[] = {0x52, 0x53, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1};
  bool answered = false;
  if (send(fd, query, sizeof query, 0) == static_cast<ssize_t>(sizeof query)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) == 1 && (p.revents & POLLIN)) {
      unsigned char answer[512];
      const ssize_t n = recv(fd, answer, sizeof answer, 0);
      answered = n >= 12 && answer[0] == 0x52 && answer[1] == 0x53;
    }
  }
  close(fd);
  return answered;
}

Dnsmasq::Dnsmasq(std::vector<std::string> record_options, std::vector<std::string> local_domains) {
  // A port that was free for TCP may be taken for UDP (or grabbed meanwhile): try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    std::vector<std::string> argv = {kDnsmasq,
                                     "--no-daemon",
                                     "--keep-in-foreground",
                                     "--conf-file=/dev/null",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--no-poll",
                                     "--bind-interfaces",
                                     "--listen-address=127.0.0.1",
                                     "--port=" + std::to_string(port_),
                                     "--pid-file=",
                                     "--log-facility=-",
                                     "--log-queries"};
    // As root dnsmasq would switch to "nobody"; staying put avoids depending on that account.
    if (geteuid() == 0) argv.push_back("--user=root");
    for (const std::string& domain : local_domains) argv.push_back("--local=/" + domain + "/");
    argv.insert(argv.end(), record_options.begin(), record_options.end());

    const std::string log = dir_.path() + "/dnsmasq-" + std::to_string(attempt) + ".log";
    process_ = std::make_unique<ChildProcess>(argv, log);
    const bool up =
        PollUntil([this] { return !process_->running() || DnsServerAnswers(port_, std::chrono::milliseconds(100)); },
                  std::chrono::seconds(10));
    if (up && process_->running()) return;
    if (!process_->running()) continue;  // most likely the port was taken: try another
    throw std::runtime_error("dnsmasq did not answer within 10 s:\n" + process_->Log());
  }
  throw std::runtime_error("dnsmasq did not start:\n" + (process_ ? process_->Log() : std::string()));
}

Dnsmasq::~Dnsmasq() = default;

std::string Dnsmasq::Log() const { return process_ ? process_->Log() : std::string(); }

}  // namespace runbookd::testing
