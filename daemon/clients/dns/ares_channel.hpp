#pragma once

#include <ares.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/core/clock.hpp"

namespace runbookd::dns {

// A DNS server as c-ares wants it: an address literal and a port.
struct Nameserver {
  boost::asio::ip::address address;
  uint16_t port = 53;
};

struct ChannelSettings {
  std::vector<Nameserver> servers;  // empty: the system's resolvers (/etc/resolv.conf)
  bool use_tcp = false;             // TCP from the start (ARES_FLAG_USEVC)
  bool ignore_truncation = false;   // keep a truncated UDP answer instead of retrying over TCP
  std::chrono::milliseconds per_try_timeout{5000};
  int tries = 1;
};

// One c-ares channel driven by an Asio executor, for one operation. c-ares tells us (through its
// socket-state callback) which sockets to watch; we watch them with posix::stream_descriptor and
// hand readiness back with ares_process_fd. c-ares owns those sockets, so the descriptors are
// released, never closed. ares_timeout drives a steady_timer for c-ares' own retries. Nothing
// blocks, and everything runs on the one executor.
class AresChannel : public std::enable_shared_from_this<AresChannel> {
 public:
  enum class WaitOutcome { kDone, kDeadline, kCancelled };

  // nullptr and `error` set when c-ares cannot create the channel.
  static std::shared_ptr<AresChannel> Open(boost::asio::any_io_executor executor, const ChannelSettings& settings,
                                           std::string& error);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Starts exactly one operation; its result is read after Wait returns kDone.
  void StartQuery(std::span<const uint8_t> query);             // raw message out, raw answer back
  void StartGetAddrInfo(const std::string& host, int family);  // AF_UNSPEC, AF_INET or AF_INET6

  // Drives c-ares until the operation finished, the deadline passed, or the awaiting coroutine
  // was cancelled. Returns at the deadline even if c-ares would still retry.
  boost::asio::awaitable<WaitOutcome> Wait(SteadyTime deadline);

  // Destroys the c-ares channel (pending operations end with ARES_EDESTRUCTION) and stops
  // watching its sockets. Idempotent; the destructor calls it too.
  void Close();

  int status() const { return status_; }  // ARES_SUCCESS or an ARES_E* code
  const std::vector<uint8_t>& answer() const { return answer_; }
  const std::vector<boost::asio::ip::address>& addresses() const { return addresses_; }

 private:
  struct Watcher {
    Watcher(boost::asio::any_io_executor executor, uint64_t generation)
        : descriptor(std::move(executor)), generation(generation) {}
    boost::asio::posix::stream_descriptor descriptor;
    uint64_t generation;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
  };

  explicit AresChannel(boost::asio::any_io_executor executor);

  static void OnSocketState(void* data, ares_socket_t fd, int readable, int writable);
  static void OnQueryDone(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  static void OnAddrInfoDone(void* arg, int status, int timeouts, struct ares_addrinfo* result);

  void Watch(ares_socket_t fd, bool readable, bool writable);
  void StartWaits(ares_socket_t fd, Watcher& watcher);
  void OnReady(ares_socket_t fd, uint64_t generation, bool read, const boost::system::error_code& ec);
  void ArmRetryTimer();
  void Finish(int status);

  boost::asio::any_io_executor executor_;
  ares_channel channel_ = nullptr;
  boost::asio::steady_timer retry_timer_;  // c-ares' own per-try timeouts
  boost::asio::steady_timer wake_;         // Wait sleeps on it; Finish cancels it
  std::map<ares_socket_t, std::unique_ptr<Watcher>> watchers_;
  uint64_t next_generation_ = 0;
  bool done_ = false;
  bool closed_ = false;
  int status_ = ARES_ENODATA;
  std::vector<uint8_t> answer_;
  std::vector<boost::asio::ip::address> addresses_;
};

}  // namespace runbookd::dns
