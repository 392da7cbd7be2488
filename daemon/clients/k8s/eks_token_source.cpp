#include "daemon/clients/k8s/eks_token_source.hpp"

#include <algorithm>

#include "daemon/clients/aws/eks_token.hpp"

namespace runbookd::k8s {

namespace {

constexpr std::chrono::minutes kRenewBeforeExpiry{1};

aws::ChainSettings ChainFor(const ConnectionSettings& settings) {
  aws::ChainSettings chain;
  chain.name = settings.name;
  chain.env = settings.eks_token->env;
  chain.profile = settings.eks_token->profile;
  chain.region = settings.eks_token->region;
  return chain;
}

}  // namespace

NativeEksTokenSource::NativeEksTokenSource(const ConnectionSettings& settings, const Clock& clock,
                                           std::shared_ptr<spdlog::logger> logger)
    : eks_(*settings.eks_token), clock_(clock), chain_(ChainFor(settings), clock, std::move(logger)) {}

boost::asio::awaitable<ExecResult> NativeEksTokenSource::Make(boost::asio::any_io_executor ex, SteadyTime deadline) {
  const aws::CredentialsResult got = co_await chain_.Get(std::move(ex), deadline);
  ExecResult result;
  if (!got.ok()) {
    result.status =
        got.status == aws::CredentialsStatus::kCancelled ? ExecResult::Status::kCancelled : ExecResult::Status::kFailed;
    result.error = "EKS token for cluster \"" + eks_.cluster + "\": no AWS credentials (" +
                   std::string(aws::ToString(got.status)) + "): " + got.error;
    co_return result;
  }
  aws::EksTokenRequest request;
  request.cluster = eks_.cluster;
  request.region = eks_.region;
  request.now = clock_.WallNow();
  aws::EksToken token = aws::MakeEksToken(request, got.credentials);
  // A presigned URL is worth nothing once the credentials that signed it have expired.
  WallTime expiry = token.expiration;
  if (got.credentials.expiration) expiry = std::min(expiry, *got.credentials.expiration);
  result.status = ExecResult::Status::kOk;
  result.credential.token = std::move(token.token);
  result.credential.expiry = expiry - kRenewBeforeExpiry;
  co_return result;
}

}  // namespace runbookd::k8s
