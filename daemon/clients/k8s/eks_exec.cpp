#include "daemon/clients/k8s/eks_exec.hpp"

#include <filesystem>
#include <map>
#include <vector>

#include "daemon/clients/aws/profile_files.hpp"

namespace runbookd::k8s {

namespace {

// The options (each with a value) of `aws eks get-token` and of awscli itself that runbookd understands.
const std::vector<std::string> kValueOptions = {"--cluster-name", "--cluster-id", "--region",
                                                "--profile",      "--output",     "--role-arn"};

bool TakesValue(const std::string& option) {
  for (const auto& known : kValueOptions) {
    if (option == known) return true;
  }
  return false;
}

// A region name as AWS spells them; anything else would end up in the STS host name.
bool IsRegionName(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

EksExecForm Cli(std::string why) {
  EksExecForm form;
  form.aws_command = true;
  form.why_cli = std::move(why);
  return form;
}

}  // namespace

EksExecForm ClassifyExec(const ExecPluginSettings& plugin) {
  if (std::filesystem::path(plugin.command).filename() != "aws") return {};
  std::vector<std::string> words;  // the subcommand path: must be exactly eks get-token
  std::map<std::string, std::string> options;
  for (size_t i = 0; i < plugin.args.size(); ++i) {
    const std::string& arg = plugin.args[i];
    if (arg.rfind("--", 0) != 0) {
      words.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (!TakesValue(name)) return Cli("the aws CLI option " + name + " is not one runbookd handles itself");
    if (!value) {
      if (i + 1 >= plugin.args.size()) return Cli(name + " has no value");
      value = plugin.args[++i];
    }
    if (!options.emplace(name, *value).second) return Cli(name + " is given twice");
  }
  if (words != std::vector<std::string>{"eks", "get-token"}) return Cli("the command is not `aws eks get-token`");
  if (options.count("--role-arn")) return Cli("--role-arn needs the aws CLI");
  if (options.count("--output") && options["--output"] != "json") return Cli("--output is not json");
  const bool by_name = options.count("--cluster-name") != 0;
  const bool by_id = options.count("--cluster-id") != 0;
  if (by_name == by_id) return Cli("it needs exactly one of --cluster-name and --cluster-id");
  EksGetTokenArgs args;
  args.cluster = by_name ? options["--cluster-name"] : options["--cluster-id"];
  args.region = options["--region"];
  args.profile = options["--profile"];
  if (args.cluster.empty()) return Cli("the cluster is empty");
  EksExecForm form;
  form.aws_command = true;
  form.native = std::move(args);
  return form;
}

aws::Environment ExecEnvironment(const aws::Environment& base, const ExecPluginSettings& plugin) {
  aws::Environment env = base;
  for (const auto& [name, value] : plugin.env) env[name] = value;
  return env;
}

std::string ResolveEksRegion(const EksGetTokenArgs& args, const aws::Environment& env) {
  if (!args.region.empty()) return args.region;
  if (auto region = aws::Lookup(env, "AWS_REGION")) return *region;
  if (auto region = aws::Lookup(env, "AWS_DEFAULT_REGION")) return *region;
  std::string error;  // an unreadable profile gives no region; the credential chain says why later
  const std::optional<aws::IniSection> profile = aws::LoadProfile(aws::LocateSharedFiles(env, args.profile), error);
  if (profile && profile->count("region")) return profile->at("region");
  return {};
}

std::optional<NativeEksToken> NativeEksTokenFor(const ExecPluginSettings& plugin, const aws::Environment& base,
                                                std::string& error) {
  const EksExecForm form = ClassifyExec(plugin);
  if (!form.native) return std::nullopt;
  NativeEksToken eks;
  eks.cluster = form.native->cluster;
  eks.profile = form.native->profile;
  eks.env = ExecEnvironment(base, plugin);
  if (!eks.profile.empty()) {
    // As in botocore, a profile named on the command line is not overridden by keys in the environment.
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                             "AWS_CREDENTIAL_EXPIRATION"}) {
      eks.env.erase(name);
    }
  }
  eks.region = ResolveEksRegion(*form.native, eks.env);
  const std::string what = "aws eks get-token for cluster \"" + eks.cluster + "\"";
  if (eks.region.empty()) {
    error = what +
            " has no region: add --region REGION to its args, or set AWS_REGION or AWS_DEFAULT_REGION (in its env "
            "or runbookd's), or `region` in the AWS profile";
    return std::nullopt;
  }
  if (!IsRegionName(eks.region)) {
    error = what + ": \"" + eks.region + "\" is not an AWS region name";
    return std::nullopt;
  }
  return eks;
}

}  // namespace runbookd::k8s
