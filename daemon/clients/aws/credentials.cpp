#include "daemon/clients/aws/credentials.hpp"

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "daemon/clients/aws/aws_time.hpp"

extern char** environ;

namespace runbookd::aws {

std::string_view ToString(CredentialsStatus status) {
  switch (status) {
    case CredentialsStatus::kOk:
      return "ok";
    case CredentialsStatus::kNotConfigured:
      return "not_configured";
    case CredentialsStatus::kFailed:
      return "failed";
    case CredentialsStatus::kTimeout:
      return "timeout";
    case CredentialsStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

CredentialsResult CredentialsFailure(CredentialsStatus status, std::string error) {
  CredentialsResult r;
  r.status = status;
  r.error = std::move(error);
  return r;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

std::optional<std::string> Lookup(const Environment& env, std::string_view name) {
  const auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

CredentialsResult ReadEnvironmentCredentials(const Environment& env) {
  const std::optional<std::string> id = Lookup(env, "AWS_ACCESS_KEY_ID");
  const std::optional<std::string> secret = Lookup(env, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return CredentialsFailure(CredentialsStatus::kNotConfigured, "");
  if (!id || !secret) {
    return CredentialsFailure(CredentialsStatus::kFailed,
                              id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                 : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  }
  CredentialsResult r;
  r.credentials.access_key_id = config::Secret(*id);
  r.credentials.secret_access_key = config::Secret(*secret);
  r.credentials.session_token =
      config::Secret(Lookup(env, "AWS_SESSION_TOKEN").value_or(Lookup(env, "AWS_SECURITY_TOKEN").value_or("")));
  r.credentials.source = "environment";
  if (const std::optional<std::string> expiration = Lookup(env, "AWS_CREDENTIAL_EXPIRATION")) {
    r.credentials.expiration = ParseIso8601(*expiration);
    if (!r.credentials.expiration) {
      return CredentialsFailure(CredentialsStatus::kFailed, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
    }
  }
  return r;
}

CredentialsResult ParseCredentialsJson(std::string_view body, std::string source) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) {
    return CredentialsFailure(CredentialsStatus::kFailed, source + ": the answer is not a JSON object");
  }
  const boost::json::object& obj = doc.as_object();
  auto text = [&](std::string_view key) -> std::string {
    const boost::json::value* v = obj.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  // IMDS answers 200 with {"Code":"...","Message":"..."} when the role cannot be assumed.
  const std::string code = text("Code");
  if (!code.empty() && code != "Success") {
    return CredentialsFailure(CredentialsStatus::kFailed, source + ": the answer has Code \"" + code + "\"");
  }
  CredentialsResult r;
  r.credentials.access_key_id = config::Secret(text("AccessKeyId"));
  r.credentials.secret_access_key = config::Secret(text("SecretAccessKey"));
  r.credentials.session_token = config::Secret(text("Token"));
  r.credentials.source = std::move(source);
  for (const char* required : {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}) {
    if (text(required).empty()) {
      return CredentialsFailure(CredentialsStatus::kFailed,
                                r.credentials.source + ": the answer has no \"" + required + "\"");
    }
  }
  r.credentials.expiration = ParseIso8601(text("Expiration"));
  if (!r.credentials.expiration) {
    return CredentialsFailure(CredentialsStatus::kFailed,
                              r.credentials.source + ": the answer's \"Expiration\" is not an ISO 8601 time");
  }
  return r;
}

}  // namespace runbookd::aws
