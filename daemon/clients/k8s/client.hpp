#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/clients/k8s/connection.hpp"
#include "daemon/core/clock.hpp"

namespace spdlog {
class logger;
}

namespace runbookd::k8s {

// How a call ended. Closed, so probes and actions can map it to their own reasons.
enum class ErrorKind {
  kNone,          // 2xx with a JSON body (or an empty one)
  kTransport,     // DNS, connect, TLS, the connection broke
  kTimeout,       // the deadline passed (also while waiting for the rate limiter)
  kCancelled,     // the caller cancelled
  kCredentials,   // no credential could be obtained: token file unreadable, exec plugin failed
  kUnauthorized,  // 401 (after one credential refresh and retry)
  kForbidden,     // 403
  kNotFound,      // 404
  kConflict,      // 409: resourceVersion conflict or AlreadyExists
  kInvalid,       // 400 / 422: the server rejected the request body
  kTooManyRequests,
  kServerError,  // 5xx
  kBadResponse,  // 2xx whose body is not JSON, or another unexpected status
};
std::string_view ToString(ErrorKind kind);

// A failed call, decoded from the Kubernetes `Status` body when there is one. `message` is one
// clear line for humans and logs, e.g.
//   GET /apis/apps/v1/namespaces/production/deployments/web: 404 NotFound: deployments.apps "web" not found
// It never contains a token, a key, or the request body.
struct ApiError {
  ErrorKind kind = ErrorKind::kNone;
  int http_status = 0;  // 0 when no response was received
  std::string reason;   // Status.reason (NotFound, Conflict, AlreadyExists, Invalid, ...), if any
  std::string message;
};

struct Reply {
  ApiError error;
  boost::json::value body;  // the decoded JSON on success (null for an empty body)
  bool ok() const { return error.kind == ErrorKind::kNone; }
};

enum class PatchType {
  kJson,            // application/json-patch+json (RFC 6902)
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json
};
std::string_view ContentType(PatchType type);

// One named `connections:` entry of type kubernetes: where the API server is and how to
// authenticate, built from a kubeconfig (or in-cluster files). Shared by every probe and action
// that names the connection; used only on the daemon's event-loop thread (no locking).
//
// Every call: waits for the rate limiter (qps/burst), adds the credential, sends one request
// with the deadline, and on 401 refreshes the credential (re-reads the token file, re-runs the
// exec plugin) and tries once more. Never throws for network, HTTP or auth errors.
class Client {
 public:
  // Builds the client from already-validated settings (see ReadConnection). Loads the TLS
  // context; does not contact the server or run an exec plugin yet.
  static std::shared_ptr<Client> Create(const ConnectionSettings& settings, const Clock& clock,
                                        std::shared_ptr<spdlog::logger> logger);
  virtual ~Client() = default;

  virtual const std::string& name() const = 0;               // the connection's name
  virtual const std::string& default_namespace() const = 0;  // the context's namespace, else "default"
  virtual const std::string& server() const = 0;             // https://host:port

  // `path` is the path and query, e.g. "/apis/apps/v1/namespaces/ns/replicasets?labelSelector=app%3Dweb".
  virtual boost::asio::awaitable<Reply> Get(boost::asio::any_io_executor ex, std::string path, SteadyTime deadline) = 0;
  virtual boost::asio::awaitable<Reply> Patch(boost::asio::any_io_executor ex, std::string path, PatchType type,
                                              std::string body, SteadyTime deadline) = 0;
  // `body` is sent with Content-Type application/json when not empty (DeleteOptions).
  virtual boost::asio::awaitable<Reply> Delete(boost::asio::any_io_executor ex, std::string path, std::string body,
                                               SteadyTime deadline) = 0;
  // Whole-object writes (PUT) and creates (POST), JSON bodies.
  virtual boost::asio::awaitable<Reply> Put(boost::asio::any_io_executor ex, std::string path, std::string body,
                                            SteadyTime deadline) = 0;
  virtual boost::asio::awaitable<Reply> Post(boost::asio::any_io_executor ex, std::string path, std::string body,
                                             SteadyTime deadline) = 0;
};

}  // namespace runbookd::k8s
