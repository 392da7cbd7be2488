#include "probes/postgres/postgres_config.hpp"

#include <unistd.h>

namespace runbookd::postgres {

namespace {

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

// The node to blame for a password: whichever of password_file / password_env is set.
config::Node PasswordNode(const config::Node& spec) {
  const config::Node file = spec["password_file"];
  return file.defined() ? file : spec["password_env"];
}

}  // namespace

std::optional<PostgresCheck> ReadPostgresSpec(const config::Node& spec) {
  if (!spec.defined() || !spec.is_map()) {
    spec.Error("the postgres probe needs a spec with at least \"host\"");
    return std::nullopt;
  }
  const size_t errors_before = ErrorCount(spec);
  PostgresCheck check;

  const config::Node host = spec.Required("host");
  check.host = host.AsString();
  if (host.defined() && check.host.empty()) host.Error("host must not be empty");
  check.port = static_cast<uint16_t>(spec["port"].AsInt(check.port, 1, 65535));
  const config::Node dbname = spec["dbname"];
  check.dbname = dbname.AsString(check.dbname);
  if (check.dbname.empty()) dbname.Error("dbname must not be empty");
  check.user = spec["user"].AsString();
  check.password = spec.ReadSecret("password");
  if (check.password && check.user.empty()) PasswordNode(spec).Error("a password needs a user");

  const config::Node mode = spec["mode"];
  check.mode = mode.AsEnum({"ping", "query"}, check.user.empty() ? "ping" : "query") == "query" ? ProbeMode::kQuery
                                                                                                : ProbeMode::kPing;
  if (check.mode == ProbeMode::kQuery && check.user.empty()) mode.Error("mode query needs a user");

  check.sslmode = spec["sslmode"].AsEnum({"disable", "prefer", "require", "verify-ca", "verify-full"}, check.sslmode);
  const config::Node sslrootcert = spec["sslrootcert"];
  check.sslrootcert = sslrootcert.AsString();
  if (!check.sslrootcert.empty()) {
    if (check.sslmode == "disable") {
      sslrootcert.Error("sslrootcert needs an sslmode other than disable");
    } else if (access(check.sslrootcert.c_str(), R_OK) != 0) {
      sslrootcert.Error("cannot read \"" + check.sslrootcert + "\"");
    }
  }

  // What only a logged-in session can see.
  const config::Node max_lag = spec["max_replica_lag"];
  if (max_lag.defined()) {
    check.max_replica_lag = max_lag.AsDuration(config::Duration(0));
    if (check.max_replica_lag->count() <= 0) max_lag.Error("max_replica_lag must be positive");
  }
  const config::Node headroom = spec["connection_headroom"];
  check.connection_headroom = headroom.AsInt(0, 0, 1000000);
  if (check.mode == ProbeMode::kPing) {
    if (max_lag.defined()) max_lag.Error("max_replica_lag needs mode query");
    if (headroom.defined()) headroom.Error("connection_headroom needs mode query");
  }

  if (ErrorCount(spec) != errors_before) return std::nullopt;
  return check;
}

ConnectionKeywords MakeConnectionKeywords(const PostgresCheck& check, const std::string& hostaddr) {
  ConnectionKeywords keywords;
  keywords.emplace_back("host", check.host);  // also the name TLS verifies (verify-full)
  if (!hostaddr.empty()) keywords.emplace_back("hostaddr", hostaddr);
  keywords.emplace_back("port", std::to_string(check.port));
  keywords.emplace_back("dbname", check.dbname);
  if (!check.user.empty()) keywords.emplace_back("user", check.user);
  if (check.password) keywords.emplace_back("password", check.password->Reveal());
  keywords.emplace_back("sslmode", check.sslmode);
  if (!check.sslrootcert.empty()) keywords.emplace_back("sslrootcert", check.sslrootcert);
  // GSS encryption would look for Kerberos credentials first, which may block.
  keywords.emplace_back("gssencmode", "disable");
  keywords.emplace_back("target_session_attrs", "any");
  keywords.emplace_back("application_name", "runbookd");
  return keywords;
}

}  // namespace runbookd::postgres
