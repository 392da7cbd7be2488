#include "daemon/clients/aws/source_fetch.hpp"

#include <algorithm>

namespace runbookd::aws {

namespace asio = boost::asio;

asio::awaitable<http_client::Response> FetchStep(asio::any_io_executor ex, const http_client::Request& request,
                                                 SteadyTime deadline, std::chrono::milliseconds step_timeout) {
  http_client::Options options;
  options.deadline = std::min(deadline, std::chrono::steady_clock::now() + step_timeout);
  options.follow_redirects = false;
  options.max_body_bytes = 256 * 1024;
  options.user_agent = "runbookd";
  co_return co_await http_client::Fetch(std::move(ex), request, options);
}

CredentialsResult ExchangeFailure(const http_client::Response& response, const std::string& what) {
  CredentialsStatus status = CredentialsStatus::kFailed;
  if (response.error == http_client::ErrorKind::kTimeout) status = CredentialsStatus::kTimeout;
  if (response.error == http_client::ErrorKind::kCancelled) status = CredentialsStatus::kCancelled;
  return CredentialsFailure(status, what + ": " + response.error_message);
}

}  // namespace runbookd::aws
