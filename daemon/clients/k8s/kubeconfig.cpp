#include "daemon/clients/k8s/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>
#include <filesystem>
#include <vector>

#include "daemon/clients/k8s/base64.hpp"
#include "daemon/clients/k8s/eks_exec.hpp"
#include "daemon/clients/k8s/file_util.hpp"
#include "daemon/clients/k8s/kubeconfig_reader.hpp"
#include "daemon/clients/k8s/tls_context.hpp"

namespace runbookd::k8s {

namespace {

constexpr std::string_view kExecV1 = "client.authentication.k8s.io/v1";
constexpr std::string_view kExecV1Beta1 = "client.authentication.k8s.io/v1beta1";

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Loads one kubeconfig; every method returns false after recording the first problem.
class Loader {
 public:
  Loader(std::string path, std::string context, const aws::Environment* env)
      : path_(std::move(path)),
        dir_(std::filesystem::path(path_).parent_path().string()),
        context_(std::move(context)),
        env_(env),
        reader_(path_) {}

  KubeconfigResult Run() {
    if (!Parse() || !ResolveContext() || !ReadCluster() || !ReadUser()) return std::move(result_);
    // The same check the client's first call would make, now, so --check-config sees it.
    const TlsContextOrError tls =
        BuildTlsContext(settings_.ca_pem, settings_.client_cert_pem, settings_.client_key_pem, false);
    if (!tls.context) {
      Failed("user " + Quoted(user_) + " in " + path_ + ": " + tls.error);
      return std::move(result_);
    }
    result_.settings = std::move(settings_);
    return std::move(result_);
  }

 private:
  bool Failed(std::string message, KubeconfigErrorAt at = KubeconfigErrorAt::kKubeconfig) {
    result_.error = std::move(message);
    result_.error_at = at;
    return false;
  }
  bool ReaderFailed() { return Failed(reader_.error()); }
  // An unknown context, or one naming a missing cluster or user, is the `context` key's fault
  // when the connection chose the context, else the kubeconfig's.
  KubeconfigErrorAt ContextFault() const {
    return explicit_context_ ? KubeconfigErrorAt::kContext : KubeconfigErrorAt::kKubeconfig;
  }

  bool Parse() {
    std::string error;
    const std::optional<std::string> text = ReadWholeFile(path_, &error);
    if (!text) return Failed("cannot read " + Quoted(path_) + ": " + error);
    try {
      root_ = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      return Failed("invalid YAML at " + path_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                    std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (root_.IsNull()) root_ = YAML::Node(YAML::NodeType::Map);  // an empty file: no contexts
    if (!root_.IsMap()) return Failed(path_ + ": expected a mapping (a kubeconfig) at the top level");
    return true;
  }

  bool ResolveContext() {
    const NamedEntries contexts = ReadNamedEntries(reader_, root_, "contexts", "context");
    clusters_ = ReadNamedEntries(reader_, root_, "clusters", "cluster");
    users_ = ReadNamedEntries(reader_, root_, "users", "user");
    const std::string current = reader_.String(root_, "current-context", "");
    if (reader_.failed()) return ReaderFailed();

    explicit_context_ = !context_.empty();
    if (context_.empty()) context_ = current;
    const std::string known = contexts.names.empty() ? "it has no contexts" : "it has: " + JoinNames(contexts.names);
    if (context_.empty()) return Failed(path_ + " has no current-context; set \"context\" (" + known + ")");
    auto it = contexts.by_name.find(context_);
    if (it == contexts.by_name.end()) {
      return Failed("context " + Quoted(context_) + " is not in " + path_ + " (" + known + ")", ContextFault());
    }
    const YAML::Node& ctx = it->second;
    const std::string where = "context " + Quoted(context_);
    cluster_ = reader_.String(ctx, "cluster", where);
    user_ = reader_.String(ctx, "user", where);
    const std::string ns = reader_.String(ctx, "namespace", where);
    if (reader_.failed()) return ReaderFailed();
    if (!ns.empty()) settings_.default_namespace = ns;

    const std::string in = "context " + Quoted(context_) + " in " + path_;
    if (cluster_.empty()) return Failed(in + " has no cluster", ContextFault());
    if (clusters_.by_name.count(cluster_) == 0) {
      return Failed(in + " names cluster " + Quoted(cluster_) + ", which is not defined there", ContextFault());
    }
    if (user_.empty()) return Failed(in + " has no user", ContextFault());
    if (users_.by_name.count(user_) == 0) {
      return Failed(in + " names user " + Quoted(user_) + ", which is not defined there", ContextFault());
    }
    return true;
  }

  bool ReadCluster() {
    const YAML::Node& cluster = clusters_.by_name.at(cluster_);
    const std::string where = "cluster " + Quoted(cluster_);
    const std::string in = where + " in " + path_;
    std::string server = reader_.String(cluster, "server", where);
    const std::string ca_file = reader_.String(cluster, "certificate-authority", where);
    const std::string ca_data = reader_.String(cluster, "certificate-authority-data", where);
    settings_.insecure_skip_tls_verify = reader_.Bool(cluster, "insecure-skip-tls-verify", where);
    settings_.tls_server_name = reader_.String(cluster, "tls-server-name", where);
    if (reader_.failed()) return ReaderFailed();

    if (server.empty()) return Failed(in + " has no server");
    // client-go's DefaultServerURL: a bare host:port means https.
    if (server.find("://") == std::string::npos) server = "https://" + server;
    while (server.size() > 1 && server.back() == '/') server.pop_back();
    auto parsed = boost::urls::parse_uri(server);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") || parsed->host().empty()) {
      return Failed(in + ": server " + Quoted(server) + " is not an http(s) URL");
    }
    settings_.server = server;

    // As in client-go, the -data key wins over the file.
    if (!ca_data.empty()) {
      auto pem = Base64Decode(ca_data);
      if (!pem) return Failed(in + ": certificate-authority-data is not valid base64");
      settings_.ca_pem = std::move(*pem);
    } else if (!ca_file.empty()) {
      const std::string file = ResolveAgainst(dir_, ca_file);
      std::string error;
      auto pem = ReadWholeFile(file, &error);
      if (!pem) return Failed(in + ": cannot read certificate-authority " + Quoted(file) + ": " + error);
      settings_.ca_pem = std::move(*pem);
    }
    const TlsContextOrError tls = BuildTlsContext(settings_.ca_pem, "", config::Secret(), false);
    if (!tls.context) return Failed(in + ": " + tls.error);
    return true;
  }

  // A `*-data` key (base64) or its file key; "" when neither is set.
  bool ReadPemPair(const YAML::Node& user, const char* file_key, const char* data_key, std::string* out) {
    const std::string where = "user " + Quoted(user_);
    const std::string in = where + " in " + path_;
    const std::string data = reader_.String(user, data_key, where);
    const std::string file = reader_.String(user, file_key, where);
    if (reader_.failed()) return ReaderFailed();
    if (!data.empty()) {
      auto pem = Base64Decode(data);
      if (!pem) return Failed(in + ": " + data_key + " is not valid base64");
      *out = std::move(*pem);
    } else if (!file.empty()) {
      const std::string resolved = ResolveAgainst(dir_, file);
      std::string error;
      auto pem = ReadWholeFile(resolved, &error);
      if (!pem) return Failed(in + ": cannot read " + file_key + " " + Quoted(resolved) + ": " + error);
      *out = std::move(*pem);
    }
    return true;
  }

  bool ReadUser() {
    const YAML::Node& user = users_.by_name.at(user_);
    const std::string where = "user " + Quoted(user_);
    const std::string in = where + " in " + path_;

    std::string key_pem;
    if (!ReadPemPair(user, "client-certificate", "client-certificate-data", &settings_.client_cert_pem) ||
        !ReadPemPair(user, "client-key", "client-key-data", &key_pem)) {
      return false;
    }
    settings_.client_key_pem = config::Secret(std::move(key_pem));
    if (settings_.client_cert_pem.empty() != settings_.client_key_pem.empty()) {
      return Failed(in + (settings_.client_cert_pem.empty() ? ": client-key needs client-certificate"
                                                            : ": client-certificate needs client-key"));
    }

    settings_.token = config::Secret(reader_.String(user, "token", where));
    const std::string token_file = reader_.String(user, "tokenFile", where);
    settings_.username = reader_.String(user, "username", where);
    settings_.password = config::Secret(reader_.String(user, "password", where));
    const YAML::Node exec = reader_.Map(user, "exec", where);
    const YAML::Node auth_provider = reader_.Map(user, "auth-provider", where);
    if (reader_.failed()) return ReaderFailed();

    if (!token_file.empty()) {
      settings_.token_file = ResolveAgainst(dir_, token_file);
      std::string error;
      if (!ReadWholeFile(settings_.token_file, &error)) {
        return Failed(in + ": cannot read tokenFile " + Quoted(settings_.token_file) + ": " + error);
      }
    }
    if (exec.IsDefined() && !ReadExec(exec, where)) return false;

    const bool has_credential = !settings_.client_cert_pem.empty() || !settings_.token.empty() ||
                                !settings_.token_file.empty() || settings_.exec.has_value() ||
                                !settings_.username.empty();
    if (!has_credential) {
      if (auth_provider.IsDefined()) {
        return Failed(in + " uses an auth-provider, which runbookd does not support (use exec)");
      }
      return Failed(in +
                    " has no credentials (set client-certificate and client-key, token, tokenFile, exec, or "
                    "username and password)");
    }
    return true;
  }

  bool ReadExec(const YAML::Node& exec, const std::string& user_where) {
    const std::string where = user_where + ".exec";
    const std::string in = "user " + Quoted(user_) + " in " + path_ + ": exec";
    ExecPluginSettings plugin;
    plugin.api_version = reader_.String(exec, "apiVersion", where);
    plugin.command = reader_.String(exec, "command", where);
    for (const YAML::Node& arg : reader_.List(exec, "args", where)) {
      if (!arg.IsScalar()) {
        reader_.Fail(arg, where + ".args", "expected a string");
        break;
      }
      plugin.args.push_back(arg.Scalar());
    }
    const std::vector<YAML::Node> env = reader_.List(exec, "env", where);
    for (size_t i = 0; i < env.size() && !reader_.failed(); ++i) {
      const std::string env_where = where + ".env[" + std::to_string(i) + "]";
      if (!env[i].IsMap()) {
        reader_.Fail(env[i], env_where, "expected a mapping with name and value");
        break;
      }
      std::string name = reader_.String(env[i], "name", env_where);
      std::string value = reader_.String(env[i], "value", env_where);
      if (!reader_.failed() && name.empty()) reader_.Fail(env[i], env_where, "missing name");
      plugin.env.emplace_back(std::move(name), std::move(value));
    }
    plugin.provide_cluster_info = reader_.Bool(exec, "provideClusterInfo", where);
    plugin.interactive_mode = reader_.String(exec, "interactiveMode", where);
    if (reader_.failed()) return ReaderFailed();

    const std::string supported = "use " + std::string(kExecV1) + " or " + std::string(kExecV1Beta1);
    if (plugin.api_version.empty()) return Failed(in + " has no apiVersion (" + supported + ")");
    if (plugin.api_version != kExecV1 && plugin.api_version != kExecV1Beta1) {
      return Failed(in + ": apiVersion " + Quoted(plugin.api_version) + " is not supported (" + supported + ")");
    }
    if (plugin.command.empty()) return Failed(in + " has no command");
    if (plugin.interactive_mode.empty()) {
      // client-go: optional for v1beta1 (IfAvailable), required for v1.
      if (plugin.api_version == kExecV1) {
        return Failed(in + ": interactiveMode is required for " + std::string(kExecV1) + " (use Never or IfAvailable)");
      }
      plugin.interactive_mode = "IfAvailable";
    } else if (plugin.interactive_mode == "Always") {
      return Failed(in +
                    ": interactiveMode Always needs a terminal, and runbookd never has one (use Never or IfAvailable)");
    } else if (plugin.interactive_mode != "Never" && plugin.interactive_mode != "IfAvailable") {
      return Failed(in + ": interactiveMode " + Quoted(plugin.interactive_mode) +
                    " is not one of Never, IfAvailable, Always");
    }
    // client-go resolves a command with a path separator against the kubeconfig's folder; a bare
    // name is looked up in PATH.
    if (plugin.command.find('/') != std::string::npos) plugin.command = ResolveAgainst(dir_, plugin.command);
    // Resolved now, so that a missing region is a config error.
    std::string eks_error;
    settings_.eks_token = NativeEksTokenFor(plugin, env_ != nullptr ? *env_ : aws::ProcessEnvironment(), eks_error);
    if (!eks_error.empty()) {
      reader_.Fail(exec, where, eks_error);
      return ReaderFailed();
    }
    settings_.exec = std::move(plugin);
    return true;
  }

  std::string path_;
  std::string dir_;
  std::string context_;
  const aws::Environment* env_;
  bool explicit_context_ = false;
  KubeconfigReader reader_;
  YAML::Node root_;
  NamedEntries clusters_;
  NamedEntries users_;
  std::string cluster_;
  std::string user_;
  ConnectionSettings settings_;
  KubeconfigResult result_;
};

}  // namespace

KubeconfigResult LoadKubeconfig(const std::string& path, const std::string& context, const aws::Environment* env) {
  try {
    return Loader(path, context, env).Run();
  } catch (const YAML::Exception& e) {
    // The readers check types first; this is a safety net for a yaml-cpp corner case.
    KubeconfigResult result;
    result.error = "cannot load " + path + ": " + e.msg;
    return result;
  }
}

}  // namespace runbookd::k8s
