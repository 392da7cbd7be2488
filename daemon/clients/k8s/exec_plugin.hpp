#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/clients/k8s/connection.hpp"
#include "daemon/core/clock.hpp"

// The client side of the exec credential plugin protocol (client-go plugin/pkg/client/auth/exec).
namespace runbookd::k8s {

// What a plugin printed in `status`.
struct ExecCredential {
  config::Secret token;
  std::string client_cert_pem;
  config::Secret client_key_pem;
  std::optional<WallTime> expiry;  // expirationTimestamp; none: valid until a 401
};

struct ExecResult {
  enum class Status { kOk, kFailed, kCancelled };
  Status status = Status::kFailed;
  ExecCredential credential;
  // Why not, naming the command and its exit status with at most 200 characters of its stderr;
  // never anything it printed on stdout.
  std::string error;
};

// The KUBERNETES_EXEC_INFO value for this plugin: an ExecCredential with spec.interactive false
// and, when provideClusterInfo is set, spec.cluster from `settings`.
std::string ExecInfo(const ExecPluginSettings& plugin, const ConnectionSettings& settings);

// Decodes what a plugin printed on stdout; its apiVersion must be the configured one.
ExecResult ParseExecCredential(std::string_view output, const ExecPluginSettings& plugin);

// An RFC 3339 time ("2024-05-01T10:00:00Z", fractions and offsets allowed).
std::optional<WallTime> ParseRfc3339(std::string_view text);

// Runs the plugin once (bounded by `deadline`) and decodes what it printed.
boost::asio::awaitable<ExecResult> RunExecPlugin(boost::asio::any_io_executor ex, const ConnectionSettings& settings,
                                                 SteadyTime deadline);

}  // namespace runbookd::k8s
