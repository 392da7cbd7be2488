#include "tests/support/postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runbookd::testing {

namespace {

using namespace std::chrono_literals;

std::string Bin(const std::string& tool) { return "/usr/lib/postgresql/15/bin/" + tool; }

// Who runs initdb and the server. PostgreSQL refuses root, so as root: the `postgres` system
// user, else `nobody`.
struct ServerAccount {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

ServerAccount FindServerAccount() {
  if (geteuid() != 0) return {};
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) pw = getpwnam("nobody");
  if (pw == nullptr) throw std::runtime_error("running as root, and neither user postgres nor nobody exists");
  return {true, pw->pw_uid, pw->pw_gid};
}

std::string SqlLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string TrimmedLine(std::string line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// The postmaster's status line of postmaster.pid: "starting", "ready", "standby", "stopping".
std::string PostmasterStatus(const std::string& data_dir) {
  std::ifstream in(data_dir + "/postmaster.pid");
  std::string line;
  for (int i = 0; i < 8 && std::getline(in, line); ++i) {
    if (i == 7) return TrimmedLine(line);
  }
  return {};
}

}  // namespace

HeldConnections::~HeldConnections() {
  for (PGconn* connection : connections_) PQfinish(connection);
}

HeldConnections::HeldConnections(HeldConnections&& other) noexcept : connections_(std::move(other.connections_)) {
  other.connections_.clear();
}

PostgresServer::PostgresServer(PostgresServerOptions options) : options_(options) {
  HandToServerUser(dir_.path());
  const std::string password_file = dir_.Write("superuser-password", "superuser-password-unused\n");
  const CommandResult initdb = RunCommand(
      AsServerUser({Bin("initdb"), "-D", data_dir(), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "--pwfile=" + password_file, "--no-sync", "-E", "UTF8", "--locale=C"}),
      dir_.path());
  if (initdb.exit_code != 0) throw std::runtime_error("initdb failed:\n" + initdb.out + initdb.err);
  WriteBaseConfig();
  Start();
  Sql("CREATE ROLE " + std::string(kProbeUser) + " LOGIN PASSWORD " + SqlLiteral(kProbePassword));
}

PostgresServer::PostgresServer(StandbyOf standby, PostgresServerOptions options) : options_(options) {
  HandToServerUser(dir_.path());
  const CommandResult backup =
      RunCommand(AsServerUser({Bin("pg_basebackup"), "-D", data_dir(), "-h", standby.primary->socket_dir(), "-p",
                               std::to_string(standby.primary->port()), "-U", "postgres", "-R", "-X", "stream", "-c",
                               "fast", "--no-sync"}),
                 dir_.path());
  if (backup.exit_code != 0) throw std::runtime_error("pg_basebackup failed:\n" + backup.out + backup.err);
  WriteBaseConfig();  // its own port and socket directory: later lines win
  AppendConfig("hot_standby = on\n");
  StartAndWaitFor("ready");
}

PostgresServer::~PostgresServer() {
  if (postmaster_ && postmaster_->running()) {
    postmaster_->Signal(SIGQUIT);  // immediate shutdown; ChildProcess kills what is left
    postmaster_->Wait(10s);
  }
}

std::string PostgresServer::Log() const { return log_file_.empty() ? std::string() : ReadFile(log_file_); }

std::vector<std::string> PostgresServer::AsServerUser(std::vector<std::string> argv) const {
  const ServerAccount account = FindServerAccount();
  if (!account.switch_user) return argv;
  std::vector<std::string> wrapped = {"setpriv", "--reuid=" + std::to_string(account.uid),
                                      "--regid=" + std::to_string(account.gid), "--clear-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

void PostgresServer::HandToServerUser(const std::string& path) const {
  const ServerAccount account = FindServerAccount();
  if (account.switch_user && chown(path.c_str(), account.uid, account.gid) != 0) {
    throw std::runtime_error("cannot hand " + path + " to the server's user");
  }
}

void PostgresServer::AppendConfig(const std::string& lines) const {
  std::ofstream(data_dir() + "/postgresql.conf", std::ios::app) << lines;
}

void PostgresServer::WriteBaseConfig() {
  port_ = FreePort();
  std::ostringstream config;
  config << "listen_addresses = '127.0.0.1'\n"
         << "port = " << port_ << "\n"
         << "unix_socket_directories = '" << dir_.path() << "'\n"
         << "max_connections = " << options_.max_connections << "\n"
         << "superuser_reserved_connections = " << options_.superuser_reserved_connections << "\n"
         << "shared_buffers = 16MB\n"
         << "fsync = off\n"
         << "autovacuum = off\n";  // no transactions of its own: replica lag grows only with idle time
  AppendConfig(config.str());
}

void PostgresServer::Start() { StartAndWaitFor("ready"); }

void PostgresServer::StartAndWaitFor(const std::string& status) {
  // FreePort's port may be taken by the time the server binds it: then try another.
  for (int attempt = 1;; ++attempt) {
    log_file_ = dir_.path() + "/postgres-" + std::to_string(++starts_) + ".log";
    postmaster_ = std::make_unique<ChildProcess>(AsServerUser({Bin("postgres"), "-D", data_dir()}), log_file_,
                                                 std::map<std::string, std::string>{}, dir_.path());
    const bool reached =
        PollUntil([&] { return PostmasterStatus(data_dir()) == status || !postmaster_->running(); }, 60s) &&
        postmaster_->running();
    if (reached) return;
    if (postmaster_->running()) Fail("the server did not reach status \"" + status + "\" within 60 s");
    if (attempt < 3 && Log().find("could not bind") != std::string::npos) {
      port_ = FreePort();
      AppendConfig("port = " + std::to_string(port_) + "\n");
      continue;
    }
    Fail("the server exited while starting");
  }
}

void PostgresServer::Stop() {
  if (!postmaster_) return;
  postmaster_->Signal(SIGINT);  // fast shutdown
  if (!postmaster_->Wait(60s)) Fail("the server did not stop within 60 s");
  postmaster_.reset();
}

void PostgresServer::StartRejecting() {
  Stop();
  std::ofstream(data_dir() + "/standby.signal");
  AppendConfig("hot_standby = off\n");
  StartAndWaitFor("standby");
}

void PostgresServer::EnableTls(const std::string& chain_file, const std::string& key_file) const {
  // The server insists on a key only its own user can read.
  const std::string cert = data_dir() + "/server.crt";
  const std::string key = data_dir() + "/server.key";
  std::filesystem::copy_file(chain_file, cert, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(key_file, key, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  HandToServerUser(cert);
  HandToServerUser(key);
  AppendConfig("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
}

void PostgresServer::SetTcpAuth(const std::string& hba_lines) const {
  std::ofstream(data_dir() + "/pg_hba.conf", std::ios::trunc) << "local all all trust\n"
                                                              << "local replication all trust\n"
                                                              << hba_lines;
}

std::string PostgresServer::Sql(const std::string& sql) const {
  const CommandResult psql =
      RunCommand({Bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socket_dir(), "-p",
                  std::to_string(port_), "-U", "postgres", "-d", "postgres", "-c", sql});
  if (psql.exit_code != 0) Fail("psql failed on \"" + sql + "\": " + psql.err);
  return TrimmedLine(psql.out);
}

HeldConnections PostgresServer::Hold(int count) const {
  const std::string port = std::to_string(port_);
  const char* keywords[] = {"host", "port", "dbname", "user", "password", "sslmode", "gssencmode", nullptr};
  const char* values[] = {"127.0.0.1",    port.c_str(), "postgres", kProbeUser,
                          kProbePassword, "disable",    "disable",  nullptr};
  HeldConnections held;
  for (int i = 0; i < count; ++i) {
    PGconn* connection = PQconnectdbParams(keywords, values, 0);
    if (PQstatus(connection) != CONNECTION_OK) {
      const std::string error = PQerrorMessage(connection);
      PQfinish(connection);
      Fail("holding connection " + std::to_string(i + 1) + " of " + std::to_string(count) + ": " + error);
    }
    held.Add(connection);
  }
  return held;
}

std::unique_ptr<PostgresServer> PostgresServer::StartStandby() const {
  return std::unique_ptr<PostgresServer>(new PostgresServer(StandbyOf{this}, options_));
}

void PostgresServer::Fail(const std::string& what) const {
  throw std::runtime_error(what + "\n--- server log ---\n" + Log());
}

}  // namespace runbookd::testing
