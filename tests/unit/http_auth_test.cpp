// Roles and bearer-token checks of daemon/http/auth, without a server.

#include <catch2/catch.hpp>

#include "daemon/http/auth.hpp"

namespace runbookd::http {
namespace {

Authenticator Tokens() {
  return Authenticator({
      {"dash", Role::kReader, config::Secret("reader-secret-value")},
      {"oncall", Role::kApprover, config::Secret("approver-secret-value")},
      {"bot", Role::kOperator, config::Secret("operator-secret-value")},
      {"root", Role::kAdmin, config::Secret("admin-secret-value")},
      {"alertmanager", Role::kWebhook, config::Secret("webhook-secret-value")},
      {"blank", Role::kAdmin, config::Secret("")},
  });
}

TEST_CASE("roles: names round-trip and unknown names are rejected") {
  for (Role r : {Role::kWebhook, Role::kReader, Role::kApprover, Role::kOperator, Role::kAdmin}) {
    CHECK(ParseRole(ToString(r)) == r);
  }
  CHECK_FALSE(ParseRole("Admin"));
  CHECK_FALSE(ParseRole("root"));
  CHECK_FALSE(ParseRole(""));
}

TEST_CASE("roles: each includes the ones before it, except webhook, which stands apart") {
  CHECK(Satisfies(Role::kAdmin, Role::kOperator));
  CHECK(Satisfies(Role::kAdmin, Role::kReader));
  CHECK(Satisfies(Role::kOperator, Role::kApprover));
  CHECK(Satisfies(Role::kApprover, Role::kReader));
  CHECK(Satisfies(Role::kReader, Role::kReader));
  CHECK_FALSE(Satisfies(Role::kReader, Role::kApprover));
  CHECK_FALSE(Satisfies(Role::kOperator, Role::kAdmin));
  CHECK(Satisfies(Role::kWebhook, Role::kWebhook));
  CHECK_FALSE(Satisfies(Role::kWebhook, Role::kReader));
  CHECK_FALSE(Satisfies(Role::kAdmin, Role::kWebhook));
  CHECK_FALSE(Satisfies(Role::kReader, Role::kWebhook));
}

TEST_CASE("auth: a missing, malformed or unknown token is 401") {
  const Authenticator auth = Tokens();
  for (const char* header :
       {"", "   ", "Bearer", "Bearer ", "Basic reader-secret-value", "reader-secret-value", "Bearerreader-secret-value",
        "Bearer reader-secret", "Bearer reader-secret-value-x", "Bearer READER-SECRET-VALUE"}) {
    INFO(header);
    const AuthDecision d = auth.Check(header, Role::kReader);
    CHECK_FALSE(d.ok);
    CHECK(d.status == 401);
    CHECK(d.code == "unauthorized");
    CHECK(d.token_name.empty());
  }
}

TEST_CASE("auth: a known token of too low a role is 403 and names the token, not its value") {
  const Authenticator auth = Tokens();
  const AuthDecision d = auth.Check("Bearer reader-secret-value", Role::kOperator);
  CHECK_FALSE(d.ok);
  CHECK(d.status == 403);
  CHECK(d.code == "forbidden");
  CHECK(d.token_name == "dash");
  CHECK(d.message.find("dash") != std::string::npos);
  CHECK(d.message.find("reader-secret-value") == std::string::npos);
}

TEST_CASE("auth: a token of enough role passes, the scheme is case-insensitive, blank tokens never match") {
  const Authenticator auth = Tokens();
  CHECK(auth.size() == 5);
  const AuthDecision d = auth.Check("bearer  admin-secret-value ", Role::kOperator);
  CHECK(d.ok);
  CHECK(d.status == 200);
  CHECK(d.token_name == "root");
  CHECK(auth.Check("BEARER webhook-secret-value", Role::kWebhook).ok);
  CHECK(auth.Check("Bearer approver-secret-value", Role::kApprover).token_name == "oncall");
  CHECK_FALSE(auth.Check("Bearer admin-secret-value", Role::kWebhook).ok);
  CHECK(Authenticator({}).Check("Bearer x", Role::kReader).status == 401);
}

}  // namespace
}  // namespace runbookd::http
