#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/core/clock.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::aws {

struct ChainSettings {
  std::string name;          // the connection's name, for log lines
  Environment env;           // ProcessEnvironment() in the daemon; tests pass their own
  std::string profile;       // a connection's `profile`; overrides AWS_PROFILE
  std::string region;        // for the STS endpoint of web identity; else AWS_REGION, AWS_DEFAULT_REGION
  std::string sts_endpoint;  // a connection's endpoints.sts; see StsUrl
  std::string container_base = "http://169.254.170.2";  // what AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative to
  std::string imds_endpoint;                            // overrides AWS_EC2_METADATA_SERVICE_ENDPOINT (tests)
  // Each network step ends after these (and by the caller's deadline): botocore's 1 s for IMDS and
  // 2 s for the container endpoint; STS is a remote service.
  std::chrono::milliseconds imds_timeout{1'000};
  std::chrono::milliseconds container_timeout{2'000};
  std::chrono::milliseconds sts_timeout{10'000};
  // Temporary credentials are fetched again this long before they expire; until they do expire, a
  // failed refresh keeps the current ones in use.
  std::chrono::seconds refresh_before_expiry{std::chrono::minutes(5)};
  // After a failed refresh, the next attempt waits this long while the current credentials last.
  std::chrono::seconds retry_interval{30};
};

// Where a chain's credentials come from. The first source that is configured decides, in botocore's
// order cut to what the daemon supports: environment, shared files (profile), web identity (STS),
// container endpoint, instance metadata. A configured source that fails ends the search with its
// error, as botocore does, rather than silently acting as another identity.
enum class CredentialSource { kNone, kEnvironment, kProfile, kWebIdentity, kContainer, kInstanceMetadata };
std::string_view ToString(CredentialSource source);

// Resolves, caches and refreshes credentials. Temporary ones are refreshed `refresh_before_expiry`
// early, judged by the Clock's wall time, through the source that gave them. Concurrent callers
// share one fetch. One event-loop thread only. The Clock must outlive the chain.
class CredentialChain {
 public:
  CredentialChain(ChainSettings settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger);
  ~CredentialChain();
  CredentialChain(const CredentialChain&) = delete;
  CredentialChain& operator=(const CredentialChain&) = delete;

  // Credentials valid now, fetching them if needed; every network step ends by `deadline`.
  boost::asio::awaitable<CredentialsResult> Get(boost::asio::any_io_executor ex, SteadyTime deadline);

  // Forgets the cached credentials (AWS rejected them: ExpiredToken, InvalidClientTokenId), so that
  // the next Get fetches new ones from the same source.
  void Invalidate();

  // The source of the cached credentials; kNone before the first success.
  CredentialSource source() const;
  // How many fetches have started (a fetch may walk several sources). For tests and metrics.
  int fetches() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  const Clock& clock_;
};

}  // namespace runbookd::aws
