#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/secret.hpp"

namespace runbookd::http {

// Roles of CONTRACT.md. reader ⊂ approver ⊂ operator ⊂ admin: each includes the ones before it.
// webhook stands apart: only a webhook token may post alerts, and a webhook token may do nothing
// else. Not even admin includes webhook (the contract's "except webhook"): an Alertmanager token is
// then the only thing that can inject alerts, and an admin token leaked in a shell history cannot
// fabricate incidents.
enum class Role { kWebhook, kReader, kApprover, kOperator, kAdmin };

std::optional<Role> ParseRole(std::string_view text);
std::string_view ToString(Role role);
// Whether a token of role `have` may call a route that requires `need`.
bool Satisfies(Role have, Role need);

struct TokenConfig {
  std::string name;  // shown in logs and errors instead of the token
  Role role;
  config::Secret token;
};

struct AuthDecision {
  bool ok = false;
  unsigned status = 401;   // 200 when ok, else 401 (no or unknown token) or 403 (role too low)
  std::string token_name;  // the matching token's name (set for ok and for 403)
  std::string code;        // machine code for the JSON error: "unauthorized" | "forbidden"
  std::string message;     // human text; never contains the presented token
};

// Checks bearer tokens. Immutable after construction, so one instance serves every request of a
// config generation. Only SHA-256 digests of the tokens are kept.
class Authenticator {
 public:
  explicit Authenticator(std::vector<TokenConfig> tokens);

  // `authorization` is the Authorization header value ("Bearer <token>"; empty when absent).
  // Compares the token's digest against every configured digest with CRYPTO_memcmp, visiting all
  // of them whatever matches, so neither the token's length nor which entry matched shows in the
  // timing.
  AuthDecision Check(std::string_view authorization, Role required) const;

  size_t size() const { return entries_.size(); }

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Entry {
    std::string name;
    Role role;
    Digest digest;
  };
  static Digest Hash(std::string_view text);

  std::vector<Entry> entries_;
};

}  // namespace runbookd::http
