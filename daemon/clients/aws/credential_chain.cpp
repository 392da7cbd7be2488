#include "daemon/clients/aws/credential_chain.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <vector>

#include "daemon/clients/aws/aws_time.hpp"
#include "daemon/clients/aws/container_credentials.hpp"
#include "daemon/clients/aws/imds_credentials.hpp"
#include "daemon/clients/aws/profile_files.hpp"
#include "daemon/clients/aws/web_identity.hpp"

namespace runbookd::aws {

namespace asio = boost::asio;

std::string_view ToString(CredentialSource source) {
  switch (source) {
    case CredentialSource::kNone:
      return "none";
    case CredentialSource::kEnvironment:
      return "environment";
    case CredentialSource::kProfile:
      return "profile";
    case CredentialSource::kWebIdentity:
      return "web_identity";
    case CredentialSource::kContainer:
      return "container";
    case CredentialSource::kInstanceMetadata:
      return "instance_metadata";
  }
  return "unknown";
}

namespace {

// What one fetch found, and from where.
struct Found {
  CredentialsResult result;
  CredentialSource source = CredentialSource::kNone;
};

// One fetch that every caller arriving meanwhile waits for. Each waiter parks on its own timer (set
// to its own deadline); the fetch cancels those timers when it has a result.
struct FetchRun {
  SteadyTime deadline;
  bool done = false;
  Found found;
  std::vector<asio::steady_timer*> waiters;

  void Publish(Found f) {
    done = true;
    found = std::move(f);
    for (asio::steady_timer* t : waiters) t->cancel();
  }
};

// Keeps a waiter's timer registered exactly as long as the waiting coroutine's frame lives.
class WaiterRegistration {
 public:
  WaiterRegistration(FetchRun& run, asio::steady_timer* timer) : run_(run), timer_(timer) {
    run_.waiters.push_back(timer_);
  }
  ~WaiterRegistration() { std::erase(run_.waiters, timer_); }
  WaiterRegistration(const WaiterRegistration&) = delete;
  WaiterRegistration& operator=(const WaiterRegistration&) = delete;

 private:
  FetchRun& run_;
  asio::steady_timer* timer_;
};

Found From(CredentialSource source, CredentialsResult result) { return Found{std::move(result), source}; }

}  // namespace

// GCC 12 misreports the coroutine frame's allocation (Asio's aligned_alloc, freed by its matching
// operator delete) as a mismatched new/delete once both are inlined into this file's coroutines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// The cache and the fetch in progress. Shared with the detached coroutine running a fetch, which may
// finish after the caller that started it gave up (or after the chain is gone).
struct CredentialChain::State {
  ChainSettings settings;
  std::shared_ptr<spdlog::logger> logger;
  std::optional<AwsCredentials> cached;
  CredentialSource source = CredentialSource::kNone;
  std::optional<WallTime> last_failed_refresh;
  std::shared_ptr<FetchRun> running;
  int fetches = 0;

  // One source's attempt; kNotConfigured when it does not apply.
  asio::awaitable<CredentialsResult> Try(CredentialSource which, asio::any_io_executor ex, WallTime now,
                                         SteadyTime deadline) const {
    switch (which) {
      case CredentialSource::kNone:
        break;
      case CredentialSource::kEnvironment:
        co_return ReadEnvironmentCredentials(settings.env);
      case CredentialSource::kProfile:
        co_return ReadProfileCredentials(LocateSharedFiles(settings.env, settings.profile));
      case CredentialSource::kWebIdentity: {
        std::optional<WebIdentitySettings> web =
            WebIdentityFromEnvironment(settings.env, StsUrl(settings.env, settings.region, settings.sts_endpoint));
        if (!web) break;
        web->timeout = settings.sts_timeout;
        co_return co_await AssumeRoleWithWebIdentity(ex, *web, now, deadline);
      }
      case CredentialSource::kContainer: {
        ContainerLookup container = ContainerFromEnvironment(settings.env, settings.container_base);
        if (container.status == CredentialsStatus::kNotConfigured) break;
        container.settings.timeout = settings.container_timeout;
        if (container.status != CredentialsStatus::kOk) co_return CredentialsFailure(container.status, container.error);
        co_return co_await FetchContainerCredentials(ex, container.settings, deadline);
      }
      case CredentialSource::kInstanceMetadata: {
        std::optional<ImdsSettings> imds = ImdsFromEnvironment(settings.env, settings.imds_endpoint);
        if (!imds) break;
        imds->timeout = settings.imds_timeout;
        co_return co_await FetchImdsCredentials(ex, *imds, deadline);
      }
    }
    co_return CredentialsFailure(CredentialsStatus::kNotConfigured, "");
  }

  // The whole chain, or only `known` (a refresh goes back to the source that gave the credentials).
  asio::awaitable<Found> Resolve(CredentialSource known, asio::any_io_executor ex, WallTime now,
                                 SteadyTime deadline) const {
    if (known != CredentialSource::kNone) {
      CredentialsResult result = co_await Try(known, ex, now, deadline);
      if (result.status == CredentialsStatus::kNotConfigured) {
        result = CredentialsFailure(CredentialsStatus::kFailed,
                                    std::string(ToString(known)) + " credentials are no longer configured");
      }
      co_return From(known, std::move(result));
    }
    const std::string looked = "no AWS credentials: none in the environment, the shared files (profile \"" +
                               LocateSharedFiles(settings.env, settings.profile).profile +
                               "\"), web identity or container settings";
    for (const CredentialSource which :
         {CredentialSource::kEnvironment, CredentialSource::kProfile, CredentialSource::kWebIdentity,
          CredentialSource::kContainer, CredentialSource::kInstanceMetadata}) {
      CredentialsResult result = co_await Try(which, ex, now, deadline);
      if (result.status == CredentialsStatus::kNotConfigured) continue;
      // Instance metadata is the last resort: its failure usually means nothing else is set up.
      if (which == CredentialSource::kInstanceMetadata && !result.ok()) result.error = looked + "; " + result.error;
      co_return From(which, std::move(result));
    }
    co_return From(CredentialSource::kNone,
                   CredentialsFailure(CredentialsStatus::kFailed, looked + ", and instance metadata is disabled"));
  }

  static asio::awaitable<void> Run(std::shared_ptr<State> self, std::shared_ptr<FetchRun> run, asio::any_io_executor ex,
                                   WallTime now, SteadyTime deadline) {
    const CredentialSource known = self->source;
    Found found = co_await self->Resolve(known, ex, now, deadline);
    if (found.result.ok()) {
      self->cached = found.result.credentials;
      self->source = found.source;
      self->last_failed_refresh.reset();
      if (self->logger) {
        const auto& c = found.result.credentials;
        self->logger->info("aws {}: credentials from {}{}", self->settings.name, c.source,
                           c.expiration ? ", valid until " + FormatIso8601(*c.expiration) : std::string());
      }
    } else {
      self->last_failed_refresh = now;
      if (self->logger) {
        self->logger->warn("aws {}: credentials ({}): {}", self->settings.name, ToString(found.result.status),
                           found.result.error);
      }
    }
    if (self->running == run) self->running.reset();
    run->Publish(std::move(found));
  }
};

CredentialChain::CredentialChain(ChainSettings settings, const Clock& clock, std::shared_ptr<spdlog::logger> logger)
    : state_(std::make_shared<State>()), clock_(clock) {
  state_->settings = std::move(settings);
  state_->logger = std::move(logger);
}

CredentialChain::~CredentialChain() = default;

asio::awaitable<CredentialsResult> CredentialChain::Get(asio::any_io_executor ex, SteadyTime deadline) {
  std::shared_ptr<State> state = state_;
  const ChainSettings& settings = state->settings;
  auto usable = [&](WallTime now) {
    return state->cached && (!state->cached->expiration || now < *state->cached->expiration);
  };
  auto fresh = [&](WallTime now) {
    if (!usable(now)) return false;
    if (!state->cached->expiration) return true;
    if (now < *state->cached->expiration - settings.refresh_before_expiry) return true;
    // In the refresh window: a failed refresh is retried only after a pause.
    return state->last_failed_refresh && now < *state->last_failed_refresh + settings.retry_interval;
  };

  const WallTime now = clock_.WallNow();
  if (fresh(now)) {
    CredentialsResult r;
    r.credentials = *state->cached;
    co_return r;
  }

  std::shared_ptr<FetchRun> run = state->running;
  if (!run) {
    run = std::make_shared<FetchRun>();
    run->deadline = deadline;
    state->running = run;
    ++state->fetches;
    // Detached from this caller, so that its cancellation does not fail the others waiting.
    asio::co_spawn(ex, State::Run(state, run, ex, now, deadline), [state, run](std::exception_ptr e) {
      if (!e || run->done) return;
      if (state->running == run) state->running.reset();
      run->Publish(Found{CredentialsFailure(CredentialsStatus::kFailed, "the credential fetch failed unexpectedly"),
                         CredentialSource::kNone});
    });
  }
  if (!run->done) {
    // A caller whose deadline is not before the fetch's waits for its outcome, which names the
    // source, rather than reporting a bare timeout at the same instant.
    asio::steady_timer timer(ex, deadline < run->deadline ? deadline : SteadyTime::max());
    WaiterRegistration registration(*run, &timer);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!run->done) {
      co_return ec
          ? CredentialsFailure(CredentialsStatus::kCancelled, "cancelled while fetching AWS credentials")
          : CredentialsFailure(CredentialsStatus::kTimeout, "deadline exceeded while fetching AWS credentials");
    }
  }
  if (run->found.result.ok()) co_return run->found.result;
  // A failed refresh: the current credentials serve until they expire.
  if (usable(clock_.WallNow())) {
    CredentialsResult r;
    r.credentials = *state->cached;
    co_return r;
  }
  co_return run->found.result;
}
#pragma GCC diagnostic pop
void CredentialChain::Invalidate() {
  state_->cached.reset();
  state_->last_failed_refresh.reset();
}

CredentialSource CredentialChain::source() const { return state_->source; }

int CredentialChain::fetches() const { return state_->fetches; }

}  // namespace runbookd::aws
