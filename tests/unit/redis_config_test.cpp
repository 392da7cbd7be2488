// The `type: redis` spec: keys, defaults and config errors (including the TLS keys).
#include "probes/redis/redis_config.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "config/node.hpp"
#include "probes/redis/redis_probe.hpp"
#include "tests/support/probe_harness.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_certs.hpp"

using runbookd::probes::redis::MakeProbeFactory;
using runbookd::probetest::ConfigErrors;
using runbookd::redis::ReadRedisProbeSpec;
using runbookd::redis::RedisCheck;
using runbookd::redis::Role;

namespace {

// The spec read from `yaml`; REQUIREs that it has no errors.
RedisCheck Read(const std::string& yaml) {
  runbookd::config::Diagnostics diags;
  auto doc = runbookd::config::Document::Parse(yaml, "t.yaml", diags);
  std::optional<RedisCheck> check = ReadRedisProbeSpec(doc.root());
  doc.CheckUnknownKeys();
  INFO(diags.Format());
  REQUIRE(diags.empty());
  REQUIRE(check);
  return std::move(*check);
}

std::string Errors(const std::string& yaml) { return ConfigErrors(MakeProbeFactory(), yaml); }

}  // namespace

TEST_CASE("redis config: address alone", "[redis]") {
  const RedisCheck check = Read("address: cache.internal:6380\n");
  CHECK(check.address.host == "cache.internal");
  CHECK(check.address.port == 6380);
  CHECK_FALSE(check.password.has_value());
  CHECK(check.username.empty());
  CHECK_FALSE(check.db.has_value());
  CHECK_FALSE(check.expect_role.has_value());
  CHECK(check.tls_context == nullptr);
  CHECK(Read("address: cache.internal\n").address.port == 6379);  // Redis's port by default
}

TEST_CASE("redis config: credentials, db and expect_role", "[redis]") {
  runbookd::testing::TempDir dir;
  const std::string file = dir.Write("redis-password", "s3cret\n");
  const RedisCheck check =
      Read("address: 10.0.0.1:6379\nusername: probe\npassword_file: " + file + "\ndb: 3\nexpect_role: slave\n");
  REQUIRE(check.password.has_value());
  CHECK(check.password->Reveal() == "s3cret");
  CHECK(check.username == "probe");
  CHECK(check.db == 3);
  CHECK(check.expect_role == Role::kReplica);
  CHECK(Read("address: a:1\nexpect_role: replica\n").expect_role == Role::kReplica);
  CHECK(Read("address: a:1\nexpect_role: master\n").expect_role == Role::kMaster);
}

TEST_CASE("redis config: TLS as true or as tls_config keys", "[redis][tls]") {
  const RedisCheck on = Read("address: a:6379\ntls: true\n");
  CHECK(on.tls_context != nullptr);
  CHECK_FALSE(on.tls_options.insecure_skip_verify);
  CHECK(Read("address: a:6379\ntls: false\n").tls_context == nullptr);

  runbookd::testing::TestCerts certs;
  const RedisCheck keyed = Read("address: a:6379\ntls:\n  ca_file: " + certs.ca.ca_cert() +
                                "\n  server_name: redis.internal\n  cert_file: " + certs.client.cert +
                                "\n  key_file: " + certs.client.key + "\n");
  CHECK(keyed.tls_context != nullptr);
  CHECK(keyed.tls_options.server_name == "redis.internal");
  CHECK(keyed.tls_options.ca_file == certs.ca.ca_cert());
}

TEST_CASE("redis config: errors", "[redis]") {
  CHECK(Errors("db: 1\n") == "t.yaml:1:1: (root): missing required key \"address\"\n");
  CHECK(Errors("address: a:1\nusername: probe\n") ==
        "t.yaml:2:11: username: username needs password_file or password_env\n");
  CHECK(Errors("address: a:1\nexpect_role: primary\n").find("expect_role") != std::string::npos);
  CHECK(Errors("address: a:1\ndb: -1\n").find("db") != std::string::npos);
  CHECK(Errors("address: a:1\npassword_file: /nonexistent/pw\n").find("cannot read \"/nonexistent/pw\"") !=
        std::string::npos);
  CHECK(Errors("address: a:1\ntls:\n  ca_file: /nonexistent/ca.pem\n").find("t.yaml:3:12: tls.ca_file:") == 0);
  CHECK(Errors("address: a:1\ntls:\n  cafile: x\n").find("cafile") != std::string::npos);    // unknown key
  CHECK(Errors("address: a:1\npassword: hunter2\n").find("password") != std::string::npos);  // no inline secrets
}
