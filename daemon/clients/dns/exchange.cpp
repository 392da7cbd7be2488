#include "daemon/clients/dns/exchange.hpp"

namespace runbookd::dns {

namespace asio = boost::asio;

asio::awaitable<ExchangeResult> Exchange(asio::any_io_executor executor, ExchangeOptions options,
                                         std::vector<uint8_t> query, SteadyTime deadline) {
  ExchangeResult out;
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (remaining <= std::chrono::milliseconds(0)) {
    out.status = ExchangeResult::Status::kTimeout;
    out.error = "no time left for the query";
    co_return out;
  }

  ChannelSettings settings;
  if (options.server) settings.servers.push_back(*options.server);
  settings.use_tcp = options.use_tcp;
  settings.ignore_truncation = !options.tcp_fallback;
  settings.per_try_timeout = remaining;  // one try, as long as the deadline allows
  settings.tries = 1;
  std::string error;
  auto channel = AresChannel::Open(executor, settings, error);
  if (!channel) {
    out.error = error;
    co_return out;
  }
  channel->StartQuery(query);
  const AresChannel::WaitOutcome outcome = co_await channel->Wait(deadline);
  channel->Close();

  switch (outcome) {
    case AresChannel::WaitOutcome::kDeadline:
      out.status = ExchangeResult::Status::kTimeout;
      out.error = "no response before the deadline";
      co_return out;
    case AresChannel::WaitOutcome::kCancelled:
      out.status = ExchangeResult::Status::kCancelled;
      out.error = "cancelled";
      co_return out;
    case AresChannel::WaitOutcome::kDone:
      break;
  }
  switch (channel->status()) {
    case ARES_SUCCESS:
      out.status = ExchangeResult::Status::kOk;
      out.answer = channel->answer();
      break;
    case ARES_ETIMEOUT:
      out.status = ExchangeResult::Status::kTimeout;
      out.error = "no response before the deadline";
      break;
    case ARES_ECONNREFUSED:
      out.status = ExchangeResult::Status::kRefused;
      out.error = "connection refused";
      break;
    default:
      out.status = ExchangeResult::Status::kError;
      out.error = ares_strerror(channel->status());
  }
  co_return out;
}

}  // namespace runbookd::dns
