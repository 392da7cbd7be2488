#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>

#include "daemon/clients/aws/credential_chain.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "daemon/clients/k8s/exec_plugin.hpp"
#include "daemon/core/clock.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::k8s {

// Makes the bearer token of an exec plugin `aws eks get-token` (ConnectionSettings::eks_token)
// the way awscli does: credentials from the AWS credential chain, then aws::MakeEksToken. The
// answer has the shape of an exec plugin's, so that the exec path caches, shares and refreshes it.
// One event-loop thread only; the Clock must outlive it.
class NativeEksTokenSource {
 public:
  NativeEksTokenSource(const ConnectionSettings& settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger);

  // One new token. Its expiry is a minute before the token's own (or the credentials'), so that
  // a token is never sent in its last minute and a clock a little off does not matter.
  boost::asio::awaitable<ExecResult> Make(boost::asio::any_io_executor ex, SteadyTime deadline);

 private:
  const NativeEksToken eks_;
  const Clock& clock_;
  aws::CredentialChain chain_;
};

}  // namespace runbookd::k8s
