#include "daemon/clients/k8s/credentials.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "daemon/clients/http/http_client.hpp"
#include "daemon/clients/k8s/eks_exec.hpp"
#include "daemon/clients/k8s/eks_token_source.hpp"
#include "daemon/clients/k8s/exec_plugin.hpp"
#include "daemon/clients/k8s/file_util.hpp"
#include "daemon/clients/k8s/tls_context.hpp"

namespace runbookd::k8s {

namespace asio = boost::asio;

namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

CredentialResult Ok(const Credential& credential) {
  CredentialResult r;
  r.status = CredentialResult::Status::kOk;
  r.credential = credential;
  return r;
}

CredentialResult Failure(CredentialResult::Status status, std::string error) {
  CredentialResult r;
  r.status = status;
  r.error = std::move(error);
  return r;
}

// One plugin run that every caller arriving meanwhile waits for. Each waiter parks on its own
// timer (set to its own deadline); the run cancels those timers when it has a result.
struct PluginRun {
  SteadyTime deadline;  // the run ends (the plugin killed if need be) and publishes by then
  bool done = false;
  CredentialResult result;
  std::vector<asio::steady_timer*> waiters;

  void Publish(CredentialResult r) {
    done = true;
    result = std::move(r);
    for (asio::steady_timer* t : waiters) t->cancel();
  }
};

// Keeps a waiter's timer registered exactly as long as the waiting coroutine's frame lives.
class WaiterRegistration {
 public:
  WaiterRegistration(PluginRun& run, asio::steady_timer* timer) : run_(run), timer_(timer) {
    run_.waiters.push_back(timer_);
  }
  ~WaiterRegistration() { std::erase(run_.waiters, timer_); }
  WaiterRegistration(const WaiterRegistration&) = delete;
  WaiterRegistration& operator=(const WaiterRegistration&) = delete;

 private:
  PluginRun& run_;
  asio::steady_timer* timer_;
};

}  // namespace

// The exec plugin's cache and its run in progress. Shared with the detached coroutine running
// the plugin, which may finish after the caller that started it gave up (or the client is gone).
// A native EKS token takes the plugin's place: same cache, same shared run, same 401 handling.
struct Credentials::ExecState {
  ConnectionSettings settings;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<NativeEksTokenSource> eks;  // set: make the token instead of running the plugin
  std::optional<Credential> cached;
  std::optional<WallTime> expiry;
  uint64_t generation = 0;
  std::shared_ptr<PluginRun> running;

  // The credential a successful run gives, or why it cannot be used.
  CredentialResult Accept(ExecCredential credential) {
    Credential out;
    if (!credential.token.empty()) out.authorization = config::Secret("Bearer " + credential.token.Reveal());
    if (!credential.client_cert_pem.empty()) {
      TlsContextOrError tls = BuildTlsContext(settings.ca_pem, credential.client_cert_pem, credential.client_key_pem,
                                              settings.insecure_skip_tls_verify);
      if (!tls.context) {
        return Failure(CredentialResult::Status::kFailed,
                       "exec plugin " + Quoted(settings.exec->command) + " printed a client certificate: " + tls.error);
      }
      out.tls_context = std::move(tls.context);
    }
    out.generation = ++generation;
    cached = out;
    expiry = credential.expiry;
    return Ok(out);
  }

  std::string_view Running() const { return eks ? "the EKS token was made" : "the exec plugin ran"; }

  static asio::awaitable<ExecResult> Fetch(std::shared_ptr<ExecState> self, asio::any_io_executor ex,
                                           SteadyTime deadline) {
    if (self->eks) {
      ExecResult made = co_await self->eks->Make(ex, deadline);
      co_return made;
    }
    ExecResult ran = co_await RunExecPlugin(ex, self->settings, deadline);
    co_return ran;
  }

  static asio::awaitable<void> Run(std::shared_ptr<ExecState> self, std::shared_ptr<PluginRun> run,
                                   asio::any_io_executor ex, SteadyTime deadline) {
    ExecResult exec = co_await Fetch(self, ex, deadline);
    CredentialResult result;
    switch (exec.status) {
      case ExecResult::Status::kOk:
        result = self->Accept(std::move(exec.credential));
        break;
      case ExecResult::Status::kFailed:
        result = Failure(CredentialResult::Status::kFailed, std::move(exec.error));
        break;
      case ExecResult::Status::kCancelled:
        result = Failure(CredentialResult::Status::kCancelled, std::move(exec.error));
        break;
    }
    if (result.status == CredentialResult::Status::kOk) {
      if (self->logger) {
        self->logger->debug("k8s {}: {} gave a new credential", self->settings.name,
                            self->eks ? "the native EKS token" : "the exec plugin");
      }
    } else if (self->logger) {
      self->logger->warn("k8s {}: {}", self->settings.name, result.error);
    }
    if (self->running == run) self->running.reset();
    run->Publish(std::move(result));
  }
};

Credentials::Credentials(const ConnectionSettings& settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger)
    : settings_(settings), clock_(clock), logger_(std::move(logger)) {
  if (!settings_.token.empty()) {
    source_ = Source::kStatic;
    static_.authorization = config::Secret("Bearer " + settings_.token.Reveal());
  } else if (!settings_.token_file.empty()) {
    source_ = Source::kTokenFile;
  } else if (settings_.exec && settings_.client_cert_pem.empty()) {
    source_ = Source::kExec;
    exec_ = std::make_shared<ExecState>();
    exec_->settings = settings_;
    exec_->logger = logger_;
    if (settings_.eks_token) exec_->eks = std::make_shared<NativeEksTokenSource>(settings_, clock_, logger_);
    LogExecForm();
  } else if (!settings_.username.empty()) {
    source_ = Source::kStatic;
    static_.authorization =
        config::Secret(http_client::BasicAuthorization(settings_.username, settings_.password.Reveal()));
  }
}

Credentials::~Credentials() = default;

asio::awaitable<CredentialResult> Credentials::Get(asio::any_io_executor ex, SteadyTime deadline) {
  switch (source_) {
    case Source::kNone:
      co_return Ok(Credential{});
    case Source::kStatic:
      co_return Ok(static_);
    case Source::kTokenFile:
      co_return ReadTokenFile();
    case Source::kExec:
      break;
  }
  co_return co_await GetExec(std::move(ex), deadline);
}

void Credentials::LogExecForm() const {
  if (!logger_) return;
  if (settings_.eks_token) {
    logger_->info("connection {}: EKS token for cluster {} made natively (no aws CLI)", settings_.name,
                  settings_.eks_token->cluster);
    return;
  }
  const EksExecForm form = ClassifyExec(*settings_.exec);
  if (form.aws_command) {
    logger_->info("connection {}: credentials from running {} ({})", settings_.name, Quoted(settings_.exec->command),
                  form.why_cli);
  }
}

CredentialResult Credentials::ReadTokenFile() {
  const SteadyTime now = clock_.SteadyNow();
  if (file_token_ && !file_stale_ && now - file_read_at_ < settings_.token_file_refresh) return Ok(*file_token_);
  std::string error;
  const std::optional<std::string> content = ReadWholeFile(settings_.token_file, &error);
  const std::string token = content ? TrimWhitespace(*content) : std::string();
  if (content && token.empty()) error = "it is empty";
  file_read_at_ = now;
  file_stale_ = false;
  if (!token.empty()) {
    const std::string header = "Bearer " + token;
    if (!file_token_ || file_token_->authorization.Reveal() != header) {
      file_token_ = Credential{config::Secret(header), nullptr, ++generation_};
    }
    return Ok(*file_token_);
  }
  const std::string message = "cannot read token file " + Quoted(settings_.token_file) + ": " + error;
  if (file_token_) {
    // Like client-go: a rotation that fails keeps the last good token (tried again after the
    // refresh period or a 401).
    if (logger_) logger_->warn("k8s {}: {}; using the token read before", settings_.name, message);
    return Ok(*file_token_);
  }
  if (logger_) logger_->warn("k8s {}: {}", settings_.name, message);
  return Failure(CredentialResult::Status::kFailed, message);
}

asio::awaitable<CredentialResult> Credentials::GetExec(asio::any_io_executor ex, SteadyTime deadline) {
  std::shared_ptr<ExecState> state = exec_;
  if (state->cached && (!state->expiry || clock_.WallNow() < *state->expiry)) co_return Ok(*state->cached);

  std::shared_ptr<PluginRun> run = state->running;
  if (!run) {
    run = std::make_shared<PluginRun>();
    run->deadline = deadline;
    state->running = run;
    // Detached from this caller, so that its cancellation does not fail the others waiting.
    asio::co_spawn(ex, ExecState::Run(state, run, ex, deadline), [state, run](std::exception_ptr e) {
      if (!e || run->done) return;
      if (state->running == run) state->running.reset();
      run->Publish(Failure(CredentialResult::Status::kFailed,
                           "exec plugin " + Quoted(state->settings.exec->command) + " failed unexpectedly"));
    });
  }
  if (!run->done) {
    // A caller whose deadline is not before the run's waits for its outcome, which names the
    // plugin, rather than reporting a bare timeout at the same instant.
    asio::steady_timer timer(ex, deadline < run->deadline ? deadline : SteadyTime::max());
    WaiterRegistration registration(*run, &timer);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!run->done) {
      co_return ec
          ? Failure(CredentialResult::Status::kCancelled, "cancelled while " + std::string(state->Running()))
          : Failure(CredentialResult::Status::kTimeout, "deadline exceeded while " + std::string(state->Running()));
    }
  }
  co_return run->result;
}

bool Credentials::Invalidate(const Credential& used) {
  switch (source_) {
    case Source::kNone:
    case Source::kStatic:
      return false;
    case Source::kTokenFile:
      file_stale_ = true;
      return true;
    case Source::kExec:
      if (exec_->cached && exec_->cached->generation == used.generation) exec_->cached.reset();
      return true;
  }
  return false;
}

}  // namespace runbookd::k8s
