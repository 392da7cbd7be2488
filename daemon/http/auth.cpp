#include "daemon/http/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <utility>

namespace runbookd::http {
namespace {

struct RoleName {
  Role role;
  std::string_view name;
};
constexpr RoleName kRoleNames[] = {{Role::kWebhook, "webhook"},
                                   {Role::kReader, "reader"},
                                   {Role::kApprover, "approver"},
                                   {Role::kOperator, "operator"},
                                   {Role::kAdmin, "admin"}};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The token of "Bearer <token>" (scheme case-insensitive, RFC 7235); empty when malformed.
std::string_view BearerToken(std::string_view authorization) {
  authorization = Trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !IEquals(authorization.substr(0, kScheme.size()), kScheme)) return {};
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ' && rest.front() != '\t') return {};
  return Trim(rest);
}

AuthDecision Unauthorized(std::string message) {
  return AuthDecision{false, 401, {}, "unauthorized", std::move(message)};
}

}  // namespace

std::optional<Role> ParseRole(std::string_view text) {
  for (const auto& r : kRoleNames) {
    if (r.name == text) return r.role;
  }
  return std::nullopt;
}

std::string_view ToString(Role role) {
  for (const auto& r : kRoleNames) {
    if (r.role == role) return r.name;
  }
  return "unknown";
}

bool Satisfies(Role have, Role need) {
  if (need == Role::kWebhook || have == Role::kWebhook) return have == need;
  return static_cast<int>(have) >= static_cast<int>(need);
}

Authenticator::Authenticator(std::vector<TokenConfig> tokens) {
  for (auto& t : tokens) {
    // An empty token would let an empty "Bearer " header in; the config layer rejects it too.
    if (t.token.empty()) continue;
    entries_.push_back(Entry{std::move(t.name), t.role, Hash(t.token.Reveal())});
  }
}

Authenticator::Digest Authenticator::Hash(std::string_view text) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

AuthDecision Authenticator::Check(std::string_view authorization, Role required) const {
  if (Trim(authorization).empty()) return Unauthorized("missing bearer token");
  std::string_view token = BearerToken(authorization);
  if (token.empty()) return Unauthorized("malformed Authorization header; expected \"Bearer <token>\"");

  const Digest presented = Hash(token);
  const Entry* match = nullptr;
  for (const auto& e : entries_) {
    // No early exit: every entry costs the same whether or not an earlier one matched.
    const bool equal = CRYPTO_memcmp(presented.data(), e.digest.data(), presented.size()) == 0;
    if (equal && match == nullptr) match = &e;
  }
  if (match == nullptr) return Unauthorized("invalid bearer token");
  if (!Satisfies(match->role, required)) {
    return AuthDecision{false, 403, match->name, "forbidden",
                        "token \"" + match->name + "\" has role " + std::string(ToString(match->role)) +
                            "; this needs " + std::string(ToString(required))};
  }
  return AuthDecision{true, 200, match->name, {}, {}};
}

}  // namespace runbookd::http
