#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/clients/aws/aws_connection.hpp"
#include "daemon/core/clock.hpp"

namespace spdlog {
class logger;
}

// Calls to AWS services for one named `aws` connection: the Query protocol (ELBv2, RDS: a form
// body, XML answers) and REST-JSON (EKS), signed with the connection's credential chain. The core
// of a call is one request; throttling, 5xx and transport failures are retried here with backoff
// (protocol-facts §3), everything else is returned at once.
namespace runbookd::aws {

// Why a call failed. Closed: probes and actions map it to their own reasons.
enum class ApiErrorKind {
  kNone,
  kCredentials,  // no usable credentials (the chain's error is the message)
  kTransport,    // no answer: refused, reset, DNS, TLS
  kTimeout,      // the deadline passed
  kCancelled,
  kThrottled,    // Throttling, ThrottlingException, RequestLimitExceeded, TooManyRequestsException, 429 (after retries)
  kServer,       // 5xx (after retries)
  kAuth,         // 401/403, or AccessDenied, InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken, ...
  kNotFound,     // 404, or a code naming a missing resource (DBClusterNotFoundFault, TargetGroupNotFound, ...)
  kInvalid,      // any other 4xx: the request was refused as it is (InvalidDBClusterStateFault, ...)
  kBadResponse,  // an answer that could not be parsed
};
std::string_view ToString(ApiErrorKind kind);

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::kNone;
  int http_status = 0;     // 0 when no answer
  std::string code;        // AWS's error code: "DBClusterNotFoundFault"
  std::string message;     // AWS's message, or the client's
  std::string request_id;  // x-amzn-RequestId / RequestId, when sent
  std::string call;        // the call it ended: "rds FailoverDBCluster", "eks GET /clusters/prod/node-groups/ng"

  bool ok() const { return kind == ApiErrorKind::kNone; }
  // One line naming the call: "rds FailoverDBCluster: 400 InvalidDBClusterStateFault: DB cluster is
  // not available". Never contains a credential.
  std::string ToString() const;
};

// A Query-protocol answer. `result` is the <{Action}Result> element of the response document
// (its children are the outputs); the document lives as long as the reply.
struct QueryReply {
  ApiError error;
  int attempts = 0;
  std::shared_ptr<pugi::xml_document> document;
  pugi::xml_node result;
};

// A REST-JSON answer: the parsed body (null for an empty one).
struct JsonReply {
  ApiError error;
  int attempts = 0;
  int http_status = 0;
  boost::json::value body;
};

// Query parameters in AWS's flattened form, e.g. {"TargetGroupArn", arn}, {"Names.member.1", n}.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Abstract, so that probes and actions can be tested against a scripted double.
class Api {
 public:
  virtual ~Api() = default;

  // POSTs Action=<action>&Version=<the service's version>&<params> to the service's endpoint.
  // ELBv2: Version 2015-12-01; RDS: 2014-10-31. Every attempt ends by `deadline`.
  virtual boost::asio::awaitable<QueryReply> Query(boost::asio::any_io_executor ex, AwsService service,
                                                   std::string action, QueryParams params,
                                                   SteadyTime deadline) const = 0;

  // A REST-JSON call: `path` is absolute ("/clusters/prod/node-groups/ng/update-config"); `body` is
  // sent as application/json when set.
  virtual boost::asio::awaitable<JsonReply> RestJson(boost::asio::any_io_executor ex, AwsService service,
                                                     std::string method, std::string path,
                                                     std::optional<boost::json::value> body,
                                                     SteadyTime deadline) const = 0;

  virtual const AwsConnectionSettings& settings() const = 0;
};

struct RetryPolicy {
  int max_attempts = 4;                       // botocore's legacy mode: 5 for most; we are bounded by deadlines too
  std::chrono::milliseconds base_delay{100};  // full jitter: random(0, min(cap, base * 2^attempt))
  std::chrono::milliseconds max_delay{5'000};
};

// The real client: one credential chain per connection, shared by every probe and action naming it.
// One event-loop thread only. The Clock must outlive it.
std::shared_ptr<Api> MakeApi(AwsConnectionSettings settings, Environment env, const Clock& clock,
                             std::shared_ptr<spdlog::logger> logger, RetryPolicy retry = {});

}  // namespace runbookd::aws
