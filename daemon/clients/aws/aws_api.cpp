#include "daemon/clients/aws/aws_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <random>

#include "daemon/clients/aws/api_errors.hpp"
#include "daemon/clients/aws/credential_chain.hpp"
#include "daemon/clients/aws/crypto.hpp"
#include "daemon/clients/aws/query_protocol.hpp"
#include "daemon/clients/aws/rest_json.hpp"
#include "daemon/clients/aws/signed_request.hpp"
#include "daemon/clients/http/http_client.hpp"
#include "daemon/clients/tls/tls.hpp"

namespace runbookd::aws {

namespace asio = boost::asio;

namespace {

constexpr uint64_t kMaxBodyBytes = 16 * 1024 * 1024;  // a page of DescribeDBInstances is far smaller
constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";

ApiError LocalError(ApiErrorKind kind, std::string message) {
  ApiError error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}

ApiError CredentialsError(const CredentialsResult& result) {
  switch (result.status) {
    case CredentialsStatus::kTimeout:
      return LocalError(ApiErrorKind::kTimeout, "while getting credentials: " + result.error);
    case CredentialsStatus::kCancelled:
      return LocalError(ApiErrorKind::kCancelled, "while getting credentials: " + result.error);
    default:
      return LocalError(ApiErrorKind::kCredentials, result.error);
  }
}

ApiError TransportError(const http_client::Response& response) {
  switch (response.error) {
    case http_client::ErrorKind::kTimeout:
      return LocalError(ApiErrorKind::kTimeout, response.error_message);
    case http_client::ErrorKind::kCancelled:
      return LocalError(ApiErrorKind::kCancelled, response.error_message);
    case http_client::ErrorKind::kBodyTooLarge:
      return LocalError(ApiErrorKind::kBadResponse, response.error_message);
    default:
      return LocalError(ApiErrorKind::kTransport, response.error_message);
  }
}

// Whatever a server echoed of the credentials that signed the request goes no further.
void RedactCredentials(ApiError& error, const AwsCredentials& credentials) {
  for (std::string* text : {&error.message, &error.code, &error.request_id}) {
    Redact(*text, credentials.secret_access_key.Reveal());
    Redact(*text, credentials.session_token.Reveal());
    Redact(*text, credentials.access_key_id.Reveal());
  }
}

// One call to send: the unsigned request, and how to read an answer into the caller's reply.
struct Call {
  AwsService service;
  std::string name;  // "rds FailoverDBCluster"
  sigv4::Request request;
  SteadyTime deadline;
  std::function<ApiError(const http_client::Response&)> interpret;
  // False for a call that changes something and carries no idempotency token (FailoverDBCluster):
  // once it may have reached the service it is never sent again, since a second failover would
  // move the writer back. Throttling, a refused connection and rejected credentials are retried:
  // the service did not act on those.
  bool may_repeat = true;
};

// Reads and token-carrying writes can be sent again; other writes only when surely not acted on.
bool QueryMayRepeat(std::string_view action) {
  return action.starts_with("Describe") || action.starts_with("List") || action.starts_with("Get");
}

bool SurelyNotActedOn(const http_client::Response& response, const ApiError& error) {
  return error.kind == ApiErrorKind::kThrottled || error.kind == ApiErrorKind::kAuth ||
         error.kind == ApiErrorKind::kCredentials || response.error == http_client::ErrorKind::kConnectionRefused ||
         response.error == http_client::ErrorKind::kDnsError;
}

// GCC 12 misreports the coroutine frame's allocation (Asio's aligned_alloc, freed by its matching
// operator delete) as a mismatched new/delete once both are inlined into this file's coroutines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

class ApiImpl final : public Api, public std::enable_shared_from_this<ApiImpl> {
 public:
  ApiImpl(AwsConnectionSettings settings, Environment env, const Clock& clock, std::shared_ptr<spdlog::logger> logger,
          RetryPolicy retry)
      : settings_(std::move(settings)),
        clock_(clock),
        logger_(logger ? std::move(logger) : spdlog::default_logger()),
        retry_(retry),
        chain_(std::make_unique<CredentialChain>(ChainSettingsFor(settings_, std::move(env)), clock, logger_)),
        random_(std::random_device{}()) {
    tls::ContextOrError tls = tls::MakeClientContext({});
    tls_context_ = std::move(tls.context);
    if (!tls_context_) logger_->warn("aws {}: TLS setup failed: {}", settings_.name, tls.error);
    for (const AwsService service : {AwsService::kElbv2, AwsService::kRds, AwsService::kEks, AwsService::kSts}) {
      std::string error;
      const std::string url = ServiceEndpoint(settings_, service);
      if (std::optional<Endpoint> endpoint = ParseEndpoint(url, error)) {
        endpoints_.emplace(service, std::move(*endpoint));
      } else {
        endpoint_errors_.emplace(service, std::move(error));
      }
    }
  }

  asio::awaitable<QueryReply> Query(asio::any_io_executor ex, AwsService service, std::string action,
                                    QueryParams params, SteadyTime deadline) const override {
    const std::string_view version = QueryVersion(service);
    Call call{service, std::string(ServiceLabel(service)) + " " + action, {}, deadline, {}};
    call.may_repeat = QueryMayRepeat(action);
    QueryReply reply;
    if (version.empty()) {
      reply.error = LocalError(ApiErrorKind::kInvalid, "the service does not speak the Query protocol");
      reply.error.call = call.name;
      co_return reply;
    }
    call.request.method = "POST";
    call.request.path = "/";
    call.request.headers.emplace_back("Content-Type", kFormContentType);
    call.request.body = QueryBody(action, version, params);
    call.interpret = [&reply, &action](const http_client::Response& response) {
      const int attempts = reply.attempts;
      reply = ParseQueryAnswer(action, response.status, response.body);
      reply.attempts = attempts;
      return reply.error;
    };
    const auto self = shared_from_this();
    Outcome outcome = co_await self->Exchange(ex, call);
    reply.error = std::move(outcome.error);
    reply.attempts = outcome.attempts;
    if (!reply.error.ok()) {
      reply.document.reset();
      reply.result = {};
    }
    co_return reply;
  }

  asio::awaitable<JsonReply> RestJson(asio::any_io_executor ex, AwsService service, std::string method,
                                      std::string path, std::optional<boost::json::value> body,
                                      SteadyTime deadline) const override {
    std::optional<PathAndQuery> target = SplitPathQuery(path);
    Call call{service,
              std::string(ServiceLabel(service)) + " " + method + " " + (target ? target->path : path),
              {},
              deadline,
              {}};
    // EKS writes carry a clientRequestToken: a repeat returns the same update.
    call.may_repeat =
        method == "GET" || (body && body->is_object() && body->as_object().contains("clientRequestToken"));
    JsonReply reply;
    if (!target) {
      reply.error = LocalError(ApiErrorKind::kInvalid, "the path's query has a malformed escape");
      reply.error.call = call.name;
      co_return reply;
    }
    call.request.method = method;
    call.request.path = std::move(target->path);
    call.request.query = std::move(target->query);
    if (body) {
      call.request.headers.emplace_back("Content-Type", "application/json");
      call.request.body = boost::json::serialize(*body);
    }
    call.interpret = [&reply](const http_client::Response& response) {
      reply = ParseRestJsonAnswer(response.status, response.Header("x-amzn-ErrorType"), response.body);
      return reply.error;
    };
    const auto self = shared_from_this();
    Outcome outcome = co_await self->Exchange(ex, call);
    reply.error = std::move(outcome.error);
    reply.attempts = outcome.attempts;
    co_return reply;
  }

  const AwsConnectionSettings& settings() const override { return settings_; }

 private:
  struct Outcome {
    ApiError error;
    int attempts = 0;
  };

  // Attempts until one is answered usefully, the error is final, the retries are spent or the
  // deadline is near.
  asio::awaitable<Outcome> Exchange(asio::any_io_executor ex, const Call& call) const {
    Outcome out;
    const auto endpoint = endpoints_.find(call.service);
    if (endpoint == endpoints_.end()) {
      out.error = LocalError(ApiErrorKind::kTransport, "endpoint: " + endpoint_errors_.at(call.service));
      out.error.call = call.name;
      co_return out;
    }
    http_client::Options options;
    options.deadline = call.deadline;
    options.tls_context = tls_context_;
    options.follow_redirects = false;  // a redirect would carry the session token elsewhere
    options.max_body_bytes = kMaxBodyBytes;
    options.user_agent = "runbookd";
    bool refreshed = false;
    while (true) {
      if (std::chrono::steady_clock::now() >= call.deadline) {
        out.error = LocalError(ApiErrorKind::kTimeout, "the deadline passed");
        break;
      }
      const CredentialsResult credentials = co_await chain_->Get(ex, call.deadline);
      if (!credentials.ok()) {
        out.error = CredentialsError(credentials);
        break;
      }
      const sigv4::Params params{settings_.region, std::string(SigningName(call.service)), clock_.WallNow()};
      http_client::Request request = SignedHttpRequest(endpoint->second, call.request, params, credentials.credentials);
      ++out.attempts;
      const http_client::Response response = co_await http_client::Fetch(ex, request, options);
      for (auto& [name, value] : request.headers) Cleanse(value);
      out.error = response.ok() ? call.interpret(response) : TransportError(response);
      if (out.error.request_id.empty()) out.error.request_id = SanitizedServerText(response.Header("x-amzn-RequestId"));
      RedactCredentials(out.error, credentials.credentials);
      out.error.call = call.name;
      if (!call.may_repeat && !out.error.ok() && !SurelyNotActedOn(response, out.error)) break;
      const std::chrono::milliseconds delay = BackoffDelay(retry_, out.attempts - 1, Uniform());
      const RetryDecision decision = DecideRetry(out.error, out.attempts, refreshed, retry_, delay,
                                                 call.deadline - std::chrono::steady_clock::now());
      if (decision.action == RetryAction::kReturn) break;
      if (decision.action == RetryAction::kRefreshCredentials) {
        logger_->info("aws {}: {}: credentials refused ({}), fetching them again", settings_.name, call.name,
                      out.error.code);
        chain_->Invalidate();
        refreshed = true;
        continue;
      }
      logger_->debug("aws {}: {}; retrying in {} ms (attempt {} of {})", settings_.name, out.error.ToString(),
                     decision.delay.count(), out.attempts, retry_.max_attempts);
      asio::steady_timer timer(ex, decision.delay);
      const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        out.error = LocalError(ApiErrorKind::kCancelled, "cancelled while waiting to retry");
        break;
      }
    }
    out.error.call = call.name;
    if (out.error.ok()) {
      logger_->debug("aws {}: {} ok after {} attempt(s)", settings_.name, call.name, out.attempts);
    } else {
      logger_->debug("aws {}: {} (after {} attempt(s))", settings_.name, out.error.ToString(), out.attempts);
    }
    co_return out;
  }

  double Uniform() const { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

  AwsConnectionSettings settings_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> logger_;
  RetryPolicy retry_;
  std::unique_ptr<CredentialChain> chain_;  // Get and Invalidate change its cache, not the Api
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::map<AwsService, Endpoint> endpoints_;
  std::map<AwsService, std::string> endpoint_errors_;
  mutable std::mt19937_64 random_;
};

#pragma GCC diagnostic pop

}  // namespace

std::shared_ptr<Api> MakeApi(AwsConnectionSettings settings, Environment env, const Clock& clock,
                             std::shared_ptr<spdlog::logger> logger, RetryPolicy retry) {
  return std::make_shared<ApiImpl>(std::move(settings), std::move(env), clock, std::move(logger), retry);
}

}  // namespace runbookd::aws
