#include "daemon/clients/dns/ares_channel.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace runbookd::dns {

namespace asio = boost::asio;

AresChannel::AresChannel(asio::any_io_executor executor)
    : executor_(executor), retry_timer_(executor), wake_(executor) {}

std::shared_ptr<AresChannel> AresChannel::Open(asio::any_io_executor executor, const ChannelSettings& settings,
                                               std::string& error) {
  std::shared_ptr<AresChannel> self(new AresChannel(std::move(executor)));

  ares_options options{};
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  // NOCHECKRESP: hand every answer back, whatever its rcode. Without it c-ares swallows SERVFAIL,
  // REFUSED and NOTIMP answers and tries the next server, so the probe could not report them.
  options.flags = ARES_FLAG_NOCHECKRESP;
  if (settings.use_tcp) options.flags |= ARES_FLAG_USEVC;
  if (settings.ignore_truncation) options.flags |= ARES_FLAG_IGNTC;
  options.timeout = static_cast<int>(std::max<int64_t>(1, settings.per_try_timeout.count()));
  options.tries = std::max(1, settings.tries);
  options.sock_state_cb = &AresChannel::OnSocketState;
  options.sock_state_cb_data = self.get();

  if (int rc = ares_init_options(&self->channel_, &options, mask); rc != ARES_SUCCESS) {
    error = std::string("cannot initialise c-ares: ") + ares_strerror(rc);
    self->channel_ = nullptr;
    return nullptr;
  }

  if (!settings.servers.empty()) {
    std::vector<ares_addr_port_node> nodes(settings.servers.size());
    for (size_t i = 0; i < settings.servers.size(); ++i) {
      const Nameserver& server = settings.servers[i];
      ares_addr_port_node& node = nodes[i];
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.udp_port = server.port;
      node.tcp_port = server.port;
      if (server.address.is_v4()) {
        node.family = AF_INET;
        const auto bytes = server.address.to_v4().to_bytes();
        std::memcpy(&node.addr.addr4, bytes.data(), bytes.size());
      } else {
        node.family = AF_INET6;
        const auto bytes = server.address.to_v6().to_bytes();
        std::memcpy(&node.addr.addr6, bytes.data(), bytes.size());
      }
    }
    if (int rc = ares_set_servers_ports(self->channel_, nodes.data()); rc != ARES_SUCCESS) {
      error = std::string("cannot set DNS server: ") + ares_strerror(rc);
      return nullptr;
    }
  }
  return self;
}

AresChannel::~AresChannel() { Close(); }

void AresChannel::Close() {
  if (closed_) return;
  closed_ = true;
  retry_timer_.cancel();
  wake_.cancel();
  // ares_destroy closes c-ares' sockets, telling OnSocketState first, which releases them from
  // Asio; pending operations complete with ARES_EDESTRUCTION.
  if (channel_ != nullptr) ares_destroy(channel_);
  channel_ = nullptr;
  for (auto& [fd, watcher] : watchers_) watcher->descriptor.release();
  watchers_.clear();
}

void AresChannel::StartQuery(std::span<const uint8_t> query) {
  ares_send(channel_, query.data(), static_cast<int>(query.size()), &AresChannel::OnQueryDone, this);
  ArmRetryTimer();
}

void AresChannel::StartGetAddrInfo(const std::string& host, int family) {
  ares_addrinfo_hints hints{};
  hints.ai_family = family;
  ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &AresChannel::OnAddrInfoDone, this);
  ArmRetryTimer();
}

void AresChannel::OnQueryDone(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* self = static_cast<AresChannel*>(arg);
  if (self->done_) return;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) self->answer_.assign(abuf, abuf + alen);
  self->Finish(status);
}

void AresChannel::OnAddrInfoDone(void* arg, int status, int /*timeouts*/, struct ares_addrinfo* result) {
  auto* self = static_cast<AresChannel*>(arg);
  if (!self->done_ && status == ARES_SUCCESS && result != nullptr) {
    for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
      if (node->ai_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
        asio::ip::address_v4::bytes_type bytes;
        std::memcpy(bytes.data(), &sin->sin_addr, bytes.size());
        self->addresses_.emplace_back(asio::ip::address_v4(bytes));
      } else if (node->ai_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
        asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), &sin6->sin6_addr, bytes.size());
        self->addresses_.emplace_back(asio::ip::address_v6(bytes));
      }
    }
  }
  if (result != nullptr) ares_freeaddrinfo(result);
  if (!self->done_) self->Finish(status);
}

void AresChannel::Finish(int status) {
  done_ = true;
  status_ = status;
  wake_.cancel();
}

asio::awaitable<AresChannel::WaitOutcome> AresChannel::Wait(SteadyTime deadline) {
  auto self = shared_from_this();  // handlers and this frame keep the channel alive
  if (done_) co_return WaitOutcome::kDone;
  if (closed_) co_return WaitOutcome::kCancelled;
  wake_.expires_at(deadline);
  auto [ec] = co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  if (done_) co_return WaitOutcome::kDone;
  if (!ec) co_return WaitOutcome::kDeadline;
  co_return WaitOutcome::kCancelled;  // aborted without Finish: the caller was cancelled
}

void AresChannel::OnSocketState(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<AresChannel*>(data)->Watch(fd, readable != 0, writable != 0);
}

void AresChannel::Watch(ares_socket_t fd, bool readable, bool writable) {
  auto it = watchers_.find(fd);
  if (!readable && !writable) {
    // c-ares is about to close the socket: hand it back to c-ares untouched. release() aborts
    // our pending waits; their handlers see a stale generation and do nothing.
    if (it != watchers_.end()) {
      it->second->descriptor.release();
      watchers_.erase(it);
    }
    return;
  }
  if (closed_) return;
  if (it == watchers_.end()) {
    auto watcher = std::make_unique<Watcher>(executor_, ++next_generation_);
    boost::system::error_code ec;
    watcher->descriptor.assign(fd, ec);
    if (ec) {
      // Cannot watch it: the retry timer still ends the operation when its time is up.
      watcher->descriptor.release();
      return;
    }
    it = watchers_.emplace(fd, std::move(watcher)).first;
  }
  it->second->want_read = readable;
  it->second->want_write = writable;
  StartWaits(fd, *it->second);
}

void AresChannel::StartWaits(ares_socket_t fd, Watcher& watcher) {
  auto self = shared_from_this();
  if (watcher.want_read && !watcher.reading) {
    watcher.reading = true;
    watcher.descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                  [self, fd, generation = watcher.generation](const boost::system::error_code& ec) {
                                    self->OnReady(fd, generation, true, ec);
                                  });
  }
  if (watcher.want_write && !watcher.writing) {
    watcher.writing = true;
    watcher.descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                  [self, fd, generation = watcher.generation](const boost::system::error_code& ec) {
                                    self->OnReady(fd, generation, false, ec);
                                  });
  }
}

void AresChannel::OnReady(ares_socket_t fd, uint64_t generation, bool read, const boost::system::error_code& ec) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end() || it->second->generation != generation) return;  // socket gone or reused
  (read ? it->second->reading : it->second->writing) = false;
  if (closed_ || ec) return;
  ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
  // Processing may have closed the socket, or opened a new one with the same number.
  it = watchers_.find(fd);
  if (!closed_ && it != watchers_.end() && it->second->generation == generation) StartWaits(fd, *it->second);
  ArmRetryTimer();
}

void AresChannel::ArmRetryTimer() {
  if (closed_ || done_ || channel_ == nullptr) return;
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    retry_timer_.cancel();
    return;
  }
  retry_timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
  retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_ || self->done_) return;
    ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // expires c-ares' timeouts
    self->ArmRetryTimer();
  });
}

}  // namespace runbookd::dns
