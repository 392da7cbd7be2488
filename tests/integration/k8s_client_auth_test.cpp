// The Kubernetes client's credentials: exec plugins, rotating token files, 401 handling, and that
// no secret ever reaches a log line or an error message.
#include <signal.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdlib>

#include "config/node.hpp"
#include "tests/integration/k8s_client_harness.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/test_certs.hpp"

using namespace runbookd;
using namespace runbookd::k8s_test;
using runbookd::testing::ManualClock;
using runbookd::testing::ReadFile;
using runbookd::testing::TempDir;

namespace {

constexpr const char* kV1 = "client.authentication.k8s.io/v1";
constexpr const char* kV1Beta1 = "client.authentication.k8s.io/v1beta1";

// Prints an ExecCredential whose token names the run ("exec-token-N"), appends a line to
// $COUNTER_FILE per run, and keeps each run's KUBERNETES_EXEC_INFO in $INFO_FILE.N.
constexpr const char* kPlugin = R"(#!/bin/sh
echo run >> "$COUNTER_FILE"
n=$(wc -l < "$COUNTER_FILE" | tr -d ' ')
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE.$n"
exp=""
if [ -n "$EXPIRY" ]; then exp=",\"expirationTimestamp\":\"$EXPIRY\""; fi
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"exec-token-%s"%s}}\n' "$API_VERSION" "$n" "$exp"
)";

struct PluginFixture {
  TempDir dir;
  std::string counter = dir.path() + "/runs";
  std::string info = dir.path() + "/info";

  k8s::ExecPluginSettings Plugin(const std::string& api_version, const std::string& expiry = "") const {
    k8s::ExecPluginSettings p;
    p.api_version = api_version;
    p.command = WriteExecutable(dir, "plugin.sh", kPlugin);
    p.env = {{"COUNTER_FILE", counter}, {"INFO_FILE", info}, {"API_VERSION", api_version}, {"EXPIRY", expiry}};
    p.interactive_mode = "Never";
    return p;
  }
  size_t runs() const { return CountLines(counter); }
};

// A server that records requests and answers 401 to the bearer tokens in `rejected`.
struct AuthServer {
  Recorder seen;
  std::mutex mu;
  std::set<std::string> rejected;
  TestHttpServer server{[this](const TestRequest& req) {
    seen.Add(req);
    auto it = req.headers.find("authorization");
    std::lock_guard lock(mu);
    if (it != req.headers.end() && rejected.count(it->second) != 0) {
      return Json(R"({"kind":"Status","reason":"Unauthorized","message":"Unauthorized","code":401})", 401);
    }
    return Json(R"({"kind":"PodList","items":[]})");
  }};
  void Reject(const std::string& authorization) {
    std::lock_guard lock(mu);
    rejected.insert(authorization);
  }
};

}  // namespace

TEST_CASE("exec plugin: KUBERNETES_EXEC_INFO for v1 with cluster info, and for v1beta1 without") {
  AuthServer api;
  PluginFixture fx;
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(api.server);
  settings.tls_server_name = "api.internal";

  SECTION("v1, provideClusterInfo") {
    settings.exec = fx.Plugin(kV1);
    settings.exec->provide_cluster_info = true;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    INFO(reply.error.message);
    REQUIRE(reply.ok());
    CHECK(api.seen.Header(0, "authorization") == "Bearer exec-token-1");
    const auto info = boost::json::parse(ReadFile(fx.info + ".1"));
    CHECK(info.at("apiVersion") == kV1);
    CHECK(info.at("kind") == "ExecCredential");
    CHECK(info.at("spec").at("interactive") == false);
    CHECK(info.at("spec").at("cluster").at("server").as_string() == settings.server);
    CHECK(info.at("spec").at("cluster").at("tls-server-name") == "api.internal");
  }
  SECTION("v1beta1") {
    settings.exec = fx.Plugin(kV1Beta1);
    auto client = k8s::Client::Create(settings, clock, nullptr);
    REQUIRE(RunOne(*client).ok());
    CHECK(ReadFile(fx.info + ".1") ==
          std::string(R"({"apiVersion":")") + kV1Beta1 + R"(","kind":"ExecCredential","spec":{"interactive":false}})");
  }
}

TEST_CASE("exec plugin: one run serves many calls, concurrent or not, until the credential expires") {
  AuthServer api;
  PluginFixture fx;
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(api.server);
  settings.exec = fx.Plugin(kV1, Rfc3339(clock.WallNow() + 10min));
  auto client = k8s::Client::Create(settings, clock, nullptr);

  const auto first = RunAll(*client, {Call{}, Call{}, Call{}});  // concurrent: they share the one run
  for (const auto& r : first) CHECK(r.ok());
  CHECK(fx.runs() == 1);
  for (int i = 0; i < 3; ++i) CHECK(RunOne(*client).ok());
  CHECK(fx.runs() == 1);
  clock.Advance(9min);
  CHECK(RunOne(*client).ok());
  CHECK(fx.runs() == 1);
  clock.Advance(2min);  // past expirationTimestamp
  CHECK(RunOne(*client).ok());
  CHECK(fx.runs() == 2);
  REQUIRE(api.seen.size() == 8);
  for (size_t i = 0; i < 7; ++i) CHECK(api.seen.Header(i, "authorization") == "Bearer exec-token-1");
  CHECK(api.seen.Header(7, "authorization") == "Bearer exec-token-2");
}

TEST_CASE("exec plugin: a 401 re-runs the plugin and retries the request once") {
  AuthServer api;
  PluginFixture fx;
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(api.server);
  settings.exec = fx.Plugin(kV1Beta1);  // no expiry: cached until a 401
  auto client = k8s::Client::Create(settings, clock, nullptr);
  REQUIRE(RunOne(*client).ok());
  REQUIRE(RunOne(*client).ok());
  CHECK(fx.runs() == 1);

  api.Reject("Bearer exec-token-1");
  const k8s::Reply retried = RunOne(*client);
  INFO(retried.error.message);
  CHECK(retried.ok());
  CHECK(fx.runs() == 2);
  REQUIRE(api.seen.size() == 4);
  CHECK(api.seen.Header(2, "authorization") == "Bearer exec-token-1");
  CHECK(api.seen.Header(3, "authorization") == "Bearer exec-token-2");

  SECTION("a second 401 is final") {
    api.Reject("Bearer exec-token-2");
    api.Reject("Bearer exec-token-3");
    const k8s::Reply rejected = RunOne(*client);
    CHECK(rejected.error.kind == k8s::ErrorKind::kUnauthorized);
    CHECK(rejected.error.message == "GET /api/v1/namespaces/default/pods: 401 Unauthorized: Unauthorized");
    CHECK(fx.runs() == 3);
    CHECK(api.seen.size() == 6);
  }
}

TEST_CASE("exec plugin: failures give kCredentials naming the command, its status and stderr") {
  AuthServer api;
  TempDir dir;
  ManualClock clock;
  k8s::ConnectionSettings settings = PlainSettings(api.server);
  k8s::ExecPluginSettings plugin;
  plugin.api_version = kV1;
  plugin.interactive_mode = "Never";
  const std::string long_error(300, 'e');

  SECTION("non-zero exit, with at most 200 characters of stderr") {
    plugin.command = WriteExecutable(dir, "fail.sh",
                                     "#!/bin/sh\necho '{\"stdout\":\"EXEC-STDOUT-SECRET\"}'\n"
                                     "printf 'cannot reach sts\\n%s' " +
                                         long_error + " >&2\nexit 3\n");
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message == "GET /api/v1/namespaces/default/pods: exec plugin \"" + plugin.command +
                                     "\" exited with status 3: cannot reach sts " + std::string(183, 'e'));
    CHECK(api.seen.size() == 0);
  }
  SECTION("output that is not an ExecCredential") {
    plugin.command = WriteExecutable(dir, "garbage.sh", "#!/bin/sh\necho 'EXEC-STDOUT-SECRET is not JSON'\n");
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message == "GET /api/v1/namespaces/default/pods: exec plugin \"" + plugin.command +
                                     "\" did not print a JSON ExecCredential");
  }
  SECTION("the wrong apiVersion") {
    plugin.command =
        WriteExecutable(dir, "old.sh",
                        std::string("#!/bin/sh\necho '{\"apiVersion\":\"") + kV1Beta1 +
                            "\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"EXEC-STDOUT-SECRET\"}}'\n");
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message == "GET /api/v1/namespaces/default/pods: exec plugin \"" + plugin.command +
                                     "\" printed an ExecCredential whose apiVersion is not " + kV1);
  }
  SECTION("a plugin that prints more than 1 MiB is killed") {
    plugin.command = WriteExecutable(dir, "chatty.sh", "#!/bin/sh\nhead -c 3000000 /dev/zero\nsleep 60\n");
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message == "GET /api/v1/namespaces/default/pods: exec plugin \"" + plugin.command +
                                     "\" printed more than 1024 KiB and was killed");
  }
  SECTION("a command that does not exist") {
    plugin.command = dir.path() + "/missing";
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client);
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message == "GET /api/v1/namespaces/default/pods: exec plugin \"" + plugin.command +
                                     "\" could not be started: No such file or directory");
  }
  SECTION("a plugin that hangs is killed at the deadline and reaped") {
    const std::string pid_file = dir.path() + "/pid";
    plugin.command = WriteExecutable(dir, "hang.sh", "#!/bin/sh\necho $$ > \"$PID_FILE\"\nexec sleep 60\n");
    plugin.env = {{"PID_FILE", pid_file}};
    settings.exec = plugin;
    auto client = k8s::Client::Create(settings, clock, nullptr);
    const k8s::Reply reply = RunOne(*client, {"GET", "/x", "", 500ms});
    CHECK(reply.error.kind == k8s::ErrorKind::kCredentials);
    CHECK(reply.error.message ==
          "GET /x: exec plugin \"" + plugin.command + "\" did not finish before the deadline and was killed");
    const std::string pid_text = ReadFile(pid_file);
    REQUIRE_FALSE(pid_text.empty());
    // Reaped: not even a zombie is left to signal.
    CHECK(kill(std::stoi(pid_text), 0) == -1);
    CHECK(errno == ESRCH);
  }
}

TEST_CASE("exec plugin: a client certificate credential") {
  runbookd::testing::TestCerts certs;
  Recorder seen;
  TestHttpServer server(
      [&](const TestRequest& req) {
        seen.Add(req);
        return Json("{}");
      },
      runbookd::testing::TestServerTls{certs.server.chain, certs.server.key, certs.ca.ca_cert()});
  TempDir dir;
  auto json_string = [](const std::string& pem) {
    std::string out;
    for (char c : pem) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
  };
  dir.Write("cred.json", std::string(R"({"apiVersion":")") + kV1 +
                             R"(","kind":"ExecCredential","status":{"clientCertificateData":")" +
                             json_string(ReadFile(certs.client.cert)) + R"(","clientKeyData":")" +
                             json_string(ReadFile(certs.client.key)) + "\"}}");
  k8s::ConnectionSettings settings;
  settings.name = "exec-cert";
  settings.server = server.Url("");
  settings.ca_pem = ReadFile(certs.ca.ca_cert());
  settings.exec = k8s::ExecPluginSettings{kV1,   WriteExecutable(dir, "cert.sh", "#!/bin/sh\ncat \"$CRED\"\n"),
                                          {},    {{"CRED", dir.path() + "/cred.json"}},
                                          false, "Never"};
  ManualClock clock;
  auto client = k8s::Client::Create(settings, clock, nullptr);
  const k8s::Reply reply = RunOne(*client);
  INFO(reply.error.message);
  REQUIRE(reply.ok());
  REQUIRE(seen.size() == 1);
  CHECK(seen.All()[0].client_cert_subject.find("runbookd-test-client") != std::string::npos);
  CHECK(seen.Header(0, "authorization").empty());
}

TEST_CASE("in-cluster: the token file is re-read after a minute, or at once after a 401") {
  runbookd::testing::TestCerts certs;
  Recorder seen;
  std::mutex mu;
  std::string rejected;
  TestHttpServer server(
      [&](const TestRequest& req) {
        seen.Add(req);
        std::lock_guard lock(mu);
        if (req.headers.count("authorization") && req.headers.at("authorization") == rejected) {
          return Json(R"({"kind":"Status","reason":"Unauthorized","message":"Unauthorized","code":401})", 401);
        }
        return Json("{}");
      },
      runbookd::testing::TestServerTls{certs.server.chain, certs.server.key, ""});
  TempDir dir;
  k8s::InClusterPaths paths;
  paths.token_file = dir.Write("token", "tok-A\n");
  paths.ca_file = dir.Write("ca.crt", ReadFile(certs.ca.ca_cert()));
  paths.namespace_file = dir.Write("namespace", "ops");
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", std::to_string(server.port()).c_str(), 1);
  config::Diagnostics diags;
  auto doc = config::Document::Parse("prod:\n  in_cluster: true\n", "runbookd.yaml", diags);
  auto settings = k8s::ReadConnection("prod", doc.root()["prod"], paths);
  INFO(diags.Format());
  REQUIRE(settings);

  ManualClock clock;
  auto client = k8s::Client::Create(*settings, clock, nullptr);
  CHECK(client->default_namespace() == "ops");
  REQUIRE(RunOne(*client).ok());
  dir.Write("token", "tok-B\n");  // the kubelet rotated it
  REQUIRE(RunOne(*client).ok());
  clock.Advance(59s);
  REQUIRE(RunOne(*client).ok());
  clock.Advance(2s);
  REQUIRE(RunOne(*client).ok());
  REQUIRE(seen.size() == 4);
  CHECK(seen.Header(0, "authorization") == "Bearer tok-A");
  CHECK(seen.Header(1, "authorization") == "Bearer tok-A");
  CHECK(seen.Header(2, "authorization") == "Bearer tok-A");
  CHECK(seen.Header(3, "authorization") == "Bearer tok-B");

  // Rotated again, and the server already stopped accepting the old one: no waiting a minute.
  dir.Write("token", "tok-C\n");
  {
    std::lock_guard lock(mu);
    rejected = "Bearer tok-B";
  }
  const k8s::Reply reply = RunOne(*client);
  INFO(reply.error.message);
  CHECK(reply.ok());
  REQUIRE(seen.size() == 6);
  CHECK(seen.Header(4, "authorization") == "Bearer tok-B");
  CHECK(seen.Header(5, "authorization") == "Bearer tok-C");

  SECTION("a static token is not retried after a 401") {
    k8s::ConnectionSettings fixed = *settings;
    fixed.token_file.clear();
    fixed.token = config::Secret("tok-B");
    auto fixed_client = k8s::Client::Create(fixed, clock, nullptr);
    CHECK(RunOne(*fixed_client).error.kind == k8s::ErrorKind::kUnauthorized);
    CHECK(seen.size() == 7);
  }
}
