#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/node.hpp"
#include "config/secret.hpp"
#include "daemon/clients/dns/resolver.hpp"
#include "daemon/clients/tls/tls.hpp"
#include "probes/redis/replication_info.hpp"

namespace runbookd::redis {

// What a redis probe checks, from a `type: redis` spec (keys in probes/redis/README.md).
struct RedisCheck {
  dns::HostPort address;
  std::string username;                    // ACL user; empty: AUTH with the password alone
  std::optional<config::Secret> password;  // AUTH is sent only when set
  std::optional<int64_t> db;               // SELECT db when set
  std::optional<Role> expect_role;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // set when TLS is on
  tls::TlsOptions tls_options;
};

// nullopt when the spec has errors (recorded on the nodes).
std::optional<RedisCheck> ReadRedisProbeSpec(const config::Node& spec);

}  // namespace runbookd::redis
