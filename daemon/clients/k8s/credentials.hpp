#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/secret.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "daemon/core/clock.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::k8s {

// What to add to one request.
struct Credential {
  config::Secret authorization;  // the Authorization header value; empty = none
  // Set when the credential is a client certificate from an exec plugin: the TLS context to use
  // instead of the connection's own.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  uint64_t generation = 0;  // which fetch this came from, so that a 401 invalidates only that one
};

struct CredentialResult {
  enum class Status { kOk, kFailed, kTimeout, kCancelled };
  Status status = Status::kOk;
  Credential credential;
  std::string error;  // never key material or plugin output
};

// The connection's source of Authorization headers, chosen from the settings in this order:
// token, token_file, exec plugin (unless a client certificate is configured), basic auth, none.
// Token files are re-read when the cached copy is older than token_file_refresh (by the Clock's
// steady time) or after a 401; exec credentials are cached until their expirationTimestamp (the
// Clock's wall time) or a 401, and concurrent callers share one plugin run. An exec plugin `aws eks
// get-token` is served natively (ConnectionSettings::eks_token) the same way, renewed a minute
// before the token expires. One event-loop thread only.
class Credentials {
 public:
  Credentials(const ConnectionSettings& settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger);
  ~Credentials();
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  boost::asio::awaitable<CredentialResult> Get(boost::asio::any_io_executor ex, SteadyTime deadline);

  // After a 401 answered a request made with `used`: forgets it so that the next Get fetches a
  // fresh one. False when nothing fresher can come (a static token), so retrying is pointless.
  bool Invalidate(const Credential& used);

  enum class Source { kNone, kStatic, kTokenFile, kExec };
  Source source() const { return source_; }

 private:
  struct ExecState;
  CredentialResult ReadTokenFile();
  void LogExecForm() const;
  boost::asio::awaitable<CredentialResult> GetExec(boost::asio::any_io_executor ex, SteadyTime deadline);

  const ConnectionSettings settings_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> logger_;
  Source source_ = Source::kNone;
  Credential static_;

  // Token file: the last good copy and when it was read.
  std::optional<Credential> file_token_;
  SteadyTime file_read_at_{};
  bool file_stale_ = false;
  uint64_t generation_ = 0;

  std::shared_ptr<ExecState> exec_;  // shared with a plugin run that may outlive a caller
};

}  // namespace runbookd::k8s
