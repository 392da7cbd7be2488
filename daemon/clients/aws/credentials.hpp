#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/secret.hpp"
#include "daemon/core/clock.hpp"

namespace runbookd::aws {

// One set of AWS credentials. Every field prints as <secret>; the access key id is not secret, but
// it identifies an account's user, so it stays out of logs too.
struct AwsCredentials {
  config::Secret access_key_id;
  config::Secret secret_access_key;
  config::Secret session_token;        // empty for long-term keys
  std::optional<WallTime> expiration;  // temporary credentials only
  std::string source;                  // where they came from, for logs: "environment", "imds role web", ...

  bool temporary() const { return !session_token.empty(); }
};

// How a credential lookup ended. Closed, so callers can map it.
enum class CredentialsStatus {
  kOk,
  kNotConfigured,  // this source does not apply here (its variables or files are absent)
  kFailed,         // the source applies but gave nothing usable (bad file, HTTP error, bad answer)
  kTimeout,        // the deadline passed
  kCancelled,      // the caller cancelled
};
std::string_view ToString(CredentialsStatus status);

struct CredentialsResult {
  CredentialsStatus status = CredentialsStatus::kOk;
  AwsCredentials credentials;
  std::string error;  // human text; never a key, a token or a response body

  bool ok() const { return status == CredentialsStatus::kOk; }
};

CredentialsResult CredentialsFailure(CredentialsStatus status, std::string error);

// The environment variables the credential sources read. Injected, so that tests need no setenv
// (which is not thread-safe) and no global state is read behind the caller's back.
using Environment = std::map<std::string, std::string, std::less<>>;

// A copy of this process's environment.
Environment ProcessEnvironment();

// A variable's value; nullopt when unset. Set-but-empty counts as unset, as botocore does.
std::optional<std::string> Lookup(const Environment& env, std::string_view name);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or the legacy AWS_SECURITY_TOKEN)
// and AWS_CREDENTIAL_EXPIRATION. kNotConfigured when neither key variable is set; kFailed when only
// one is, or the expiration is not an ISO 8601 time.
CredentialsResult ReadEnvironmentCredentials(const Environment& env);

// Parses the JSON that IMDS and container endpoints answer:
// {"AccessKeyId","SecretAccessKey","Token","Expiration"}. The error never quotes the body.
CredentialsResult ParseCredentialsJson(std::string_view body, std::string source);

}  // namespace runbookd::aws
