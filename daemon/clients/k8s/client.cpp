#include "daemon/clients/k8s/client.hpp"

#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>

#include "daemon/clients/http/http_client.hpp"
#include "daemon/clients/k8s/credentials.hpp"
#include "daemon/clients/k8s/rate_limiter.hpp"
#include "daemon/clients/k8s/status_error.hpp"
#include "daemon/clients/k8s/tls_context.hpp"

#ifndef RUNBOOKD_VERSION
#define RUNBOOKD_VERSION "dev"
#endif

namespace runbookd::k8s {

namespace asio = boost::asio;

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kTransport:
      return "transport";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kCredentials:
      return "credentials";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kTooManyRequests:
      return "too_many_requests";
    case ErrorKind::kServerError:
      return "server_error";
    case ErrorKind::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

std::string_view ContentType(PatchType type) {
  switch (type) {
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

namespace {

constexpr uint64_t kMaxBodyBytes = 64ull * 1024 * 1024;  // a large list of pods fits; a runaway stream does not
constexpr std::string_view kJson = "application/json";

// One request to send; method and content type are string literals.
struct Call {
  std::string_view method;
  std::string path;
  std::string_view content_type;  // empty: no body
  std::string body;
  SteadyTime deadline;
};

// An API server, or a proxy in front of it, may echo the request's Authorization header in its
// error text; the error goes into probe details, timelines and logs, so the credential is cut out.
void RedactCredential(ApiError& error, const config::Secret& authorization) {
  const std::string& header = authorization.Reveal();
  if (header.empty()) return;
  const auto space = header.find(' ');
  for (const std::string& secret : {header, space == std::string::npos ? header : header.substr(space + 1)}) {
    if (secret.empty()) continue;
    for (std::string* text : {&error.message, &error.reason}) {
      for (auto at = text->find(secret); at != std::string::npos; at = text->find(secret, at + 8)) {
        text->replace(at, secret.size(), "<secret>");
      }
    }
  }
}

// Paths start with '/', so a server written as "https://host:6443/" would give "//api/...".
ConnectionSettings WithoutTrailingSlash(ConnectionSettings settings) {
  while (settings.server.size() > 1 && settings.server.back() == '/') settings.server.pop_back();
  return settings;
}

class ClientImpl final : public Client, public std::enable_shared_from_this<ClientImpl> {
 public:
  ClientImpl(const ConnectionSettings& settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger)
      : settings_(WithoutTrailingSlash(settings)),
        logger_(logger ? std::move(logger) : spdlog::default_logger()),
        limiter_(settings.qps, settings.burst),
        credentials_(settings_, clock, logger_) {
    TlsContextOrError tls = BuildTlsContext(settings_.ca_pem, settings_.client_cert_pem, settings_.client_key_pem,
                                            settings_.insecure_skip_tls_verify);
    tls_context_ = std::move(tls.context);
    tls_error_ = std::move(tls.error);
    if (!tls_error_.empty()) logger_->warn("k8s {}: TLS setup failed: {}", settings_.name, tls_error_);
  }

  const std::string& name() const override { return settings_.name; }
  const std::string& default_namespace() const override { return settings_.default_namespace; }
  const std::string& server() const override { return settings_.server; }

  asio::awaitable<Reply> Get(asio::any_io_executor ex, std::string path, SteadyTime deadline) override {
    Call call{"GET", std::move(path), {}, {}, deadline};
    co_return co_await Send(std::move(ex), std::move(call));
  }
  asio::awaitable<Reply> Patch(asio::any_io_executor ex, std::string path, PatchType type, std::string body,
                               SteadyTime deadline) override {
    Call call{"PATCH", std::move(path), ContentType(type), std::move(body), deadline};
    co_return co_await Send(std::move(ex), std::move(call));
  }
  asio::awaitable<Reply> Delete(asio::any_io_executor ex, std::string path, std::string body,
                                SteadyTime deadline) override {
    const std::string_view content_type = body.empty() ? std::string_view() : kJson;
    Call call{"DELETE", std::move(path), content_type, std::move(body), deadline};
    co_return co_await Send(std::move(ex), std::move(call));
  }
  asio::awaitable<Reply> Put(asio::any_io_executor ex, std::string path, std::string body,
                             SteadyTime deadline) override {
    Call call{"PUT", std::move(path), kJson, std::move(body), deadline};
    co_return co_await Send(std::move(ex), std::move(call));
  }
  asio::awaitable<Reply> Post(asio::any_io_executor ex, std::string path, std::string body,
                              SteadyTime deadline) override {
    Call call{"POST", std::move(path), kJson, std::move(body), deadline};
    co_return co_await Send(std::move(ex), std::move(call));
  }

 private:
  asio::awaitable<Reply> Send(asio::any_io_executor ex, Call call) {
    // Callers may drop their reference while a call is in flight.
    const std::shared_ptr<ClientImpl> self = shared_from_this();
    const auto started = std::chrono::steady_clock::now();
    Reply reply = co_await Exchange(ex, call);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (reply.ok()) {
      logger_->debug("k8s {}: {} {} -> {} in {} ms", settings_.name, call.method, call.path, reply.error.http_status,
                     ms.count());
    } else {
      logger_->debug("k8s {}: {} {} -> {} ({}) in {} ms", settings_.name, call.method, call.path,
                     reply.error.http_status, ToString(reply.error.kind), ms.count());
    }
    co_return reply;
  }

  // GCC 12 misreports the coroutine frame's allocation (Asio's aligned_alloc, freed by its
  // matching operator delete) as a mismatched new/delete once both are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
  asio::awaitable<Reply> Exchange(asio::any_io_executor ex, const Call& call) {
    if (!tls_error_.empty()) {
      co_return LocalFailure(ErrorKind::kCredentials, call.method, call.path, "TLS setup failed: " + tls_error_);
    }
    const RateLimiter::Outcome slot = co_await limiter_.Acquire(ex, call.deadline);
    if (slot != RateLimiter::Outcome::kGranted) {
      const std::string why = slot == RateLimiter::Outcome::kTimeout
                                  ? "deadline exceeded while waiting for the client-side rate limit (qps " +
                                        fmt::format("{}", limiter_.qps()) + ", burst " +
                                        std::to_string(limiter_.burst()) + ")"
                                  : "cancelled while waiting for the client-side rate limit";
      co_return LocalFailure(slot == RateLimiter::Outcome::kTimeout ? ErrorKind::kTimeout : ErrorKind::kCancelled,
                             call.method, call.path, why);
    }
    const std::string url = settings_.server + call.path;
    auto parsed = boost::urls::parse_uri(url);  // a view into `url`
    if (!parsed) co_return LocalFailure(ErrorKind::kTransport, call.method, call.path, "not a valid request path");
    http_client::Request request;
    request.method = std::string(call.method);
    request.url = boost::urls::url(*parsed);
    request.body = call.body;
    http_client::Options options;
    options.deadline = call.deadline;
    options.tls_server_name = settings_.tls_server_name;
    options.insecure_skip_verify = settings_.insecure_skip_tls_verify;
    options.max_body_bytes = kMaxBodyBytes;
    options.follow_redirects = false;
    options.user_agent = "runbookd/" RUNBOOKD_VERSION;

    // At most two tries: the second only after a 401, with a refreshed credential.
    for (int attempt = 0;; ++attempt) {
      const CredentialResult got = co_await credentials_.Get(ex, call.deadline);
      switch (got.status) {
        case CredentialResult::Status::kOk:
          break;
        case CredentialResult::Status::kFailed:
          co_return LocalFailure(ErrorKind::kCredentials, call.method, call.path, got.error);
        case CredentialResult::Status::kTimeout:
          co_return LocalFailure(ErrorKind::kTimeout, call.method, call.path, got.error);
        case CredentialResult::Status::kCancelled:
          co_return LocalFailure(ErrorKind::kCancelled, call.method, call.path, got.error);
      }
      request.headers.clear();
      request.headers.emplace_back("Accept", kJson);
      if (!call.content_type.empty()) request.headers.emplace_back("Content-Type", call.content_type);
      if (!got.credential.authorization.empty()) {
        request.headers.emplace_back("Authorization", got.credential.authorization.Reveal());
      }
      options.tls_context = got.credential.tls_context ? got.credential.tls_context : tls_context_;

      const http_client::Response response = co_await http_client::Fetch(ex, request, options);
      if (!response.ok()) co_return TransportFailure(call.method, call.path, response);
      if (response.status == 401 && attempt == 0 && credentials_.Invalidate(got.credential)) {
        logger_->debug("k8s {}: {} {} -> 401; retrying once with a refreshed credential", settings_.name, call.method,
                       call.path);
        continue;
      }
      if (response.status == 401 && attempt > 0) {
        logger_->warn("k8s {}: the API server rejected the refreshed credential too (401)", settings_.name);
      }
      Reply reply = DecodeResponse(call.method, call.path, response);
      RedactCredential(reply.error, got.credential.authorization);
      co_return reply;
    }
  }
#pragma GCC diagnostic pop

  const ConnectionSettings settings_;
  std::shared_ptr<spdlog::logger> logger_;
  RateLimiter limiter_;
  Credentials credentials_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::string tls_error_;
};

}  // namespace

std::shared_ptr<Client> Client::Create(const ConnectionSettings& settings, const Clock& clock,
                                       std::shared_ptr<spdlog::logger> logger) {
  return std::make_shared<ClientImpl>(settings, clock, std::move(logger));
}

}  // namespace runbookd::k8s
