#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/clients/dns/ares_channel.hpp"
#include "daemon/core/clock.hpp"

namespace runbookd::dns {

struct ExchangeOptions {
  std::optional<Nameserver> server;  // nullopt: the system's resolvers
  bool use_tcp = false;
  bool tcp_fallback = true;  // UDP answer truncated: ask again over TCP
};

struct ExchangeResult {
  enum class Status { kOk, kTimeout, kRefused, kCancelled, kError };
  Status status = Status::kError;
  std::vector<uint8_t> answer;  // the raw response, whatever its rcode (when kOk)
  std::string error;            // for humans, when not kOk
};

// Sends one query message (see EncodeQuery) and returns the raw response, driving c-ares on
// `executor` until `deadline` at the latest. c-ares tries once; the deadline bounds the wait.
boost::asio::awaitable<ExchangeResult> Exchange(boost::asio::any_io_executor executor, ExchangeOptions options,
                                                std::vector<uint8_t> query, SteadyTime deadline);

}  // namespace runbookd::dns
