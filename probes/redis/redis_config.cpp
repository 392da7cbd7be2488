#include "probes/redis/redis_config.hpp"

namespace runbookd::redis {

namespace {

constexpr uint16_t kDefaultPort = 6379;

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

// `tls: true` (the system's CAs, the address's host as the name) or a mapping of tls_config keys.
void ReadTls(const config::Node& tls, RedisCheck& check) {
  if (!tls.defined()) return;
  if (tls.is_map()) {
    check.tls_context = tls::ReadTlsContext(tls, &check.tls_options);
    return;
  }
  if (!tls.AsBool(false)) return;
  tls::ContextOrError built = tls::MakeClientContext(check.tls_options);
  if (!built.context) tls.Error(built.error);
  check.tls_context = std::move(built.context);
}

}  // namespace

std::optional<RedisCheck> ReadRedisProbeSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the redis probe needs a spec with at least \"address\"");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(spec);
  RedisCheck check;

  if (const config::Node address = spec.Required("address"); address.defined()) {
    std::string error;
    auto host_port = dns::SplitHostPort(address.AsString(), kDefaultPort, error);
    if (host_port) {
      check.address = std::move(*host_port);
    } else {
      address.Error(error);
    }
  }

  check.password = spec.ReadSecret("password");
  const config::Node username = spec["username"];
  check.username = username.AsString();
  if (username.defined() && !check.password && !spec["password_file"].defined() && !spec["password_env"].defined()) {
    username.Error("username needs password_file or password_env");
  }

  if (const config::Node db = spec["db"]; db.defined()) check.db = db.AsInt(0, 0, 1 << 30);

  // Redis itself says "slave"; both names are accepted.
  const std::string role = spec["expect_role"].AsEnum({"master", "replica", "slave"}, "");
  if (role == "master") check.expect_role = Role::kMaster;
  if (role == "replica" || role == "slave") check.expect_role = Role::kReplica;

  ReadTls(spec["tls"], check);

  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return check;
}

}  // namespace runbookd::redis
