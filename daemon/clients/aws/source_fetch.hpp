#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/http/http_client.hpp"
#include "daemon/core/clock.hpp"

// What the network credential sources (STS, container endpoint, IMDS) share.
namespace runbookd::aws {

// One exchange, ending by the caller's deadline or after `step_timeout`, whichever is first; no
// redirects (they would carry tokens elsewhere), a small body cap. `request` must outlive the call.
boost::asio::awaitable<http_client::Response> FetchStep(boost::asio::any_io_executor ex,
                                                        const http_client::Request& request, SteadyTime deadline,
                                                        std::chrono::milliseconds step_timeout);

// A failed exchange as a credentials result: "<what>: <the client's message>", with kTimeout or
// kCancelled where they apply. The client's message never holds headers or bodies.
CredentialsResult ExchangeFailure(const http_client::Response& response, const std::string& what);

}  // namespace runbookd::aws
