#pragma once

#include <optional>
#include <string>

#include "daemon/clients/aws/credentials.hpp"
#include "daemon/clients/k8s/connection.hpp"

// Recognising the exec plugin `aws eks get-token` that `aws eks update-kubeconfig` writes, so that
// runbookd can make the EKS token itself and a bastion needs no aws CLI.
namespace runbookd::k8s {

// What `aws ... eks get-token` was asked for.
struct EksGetTokenArgs {
  std::string cluster;  // --cluster-name or --cluster-id: what the token names (x-k8s-aws-id)
  std::string region;   // --region; empty: the environment's or the profile's
  std::string profile;  // --profile; empty: AWS_PROFILE of the exec env, then of the process
};

// How an exec section is served.
struct EksExecForm {
  bool aws_command = false;               // the command's file name is `aws`
  std::optional<EksGetTokenArgs> native;  // set when runbookd makes the token itself
  // When an `aws` command is run as written: why ("--role-arn needs the aws CLI").
  std::string why_cli;
};

// Native only for exactly `eks get-token` with --cluster-name or --cluster-id, and optionally
// --region, --profile and --output json, in any order, as `--opt value` or `--opt=value`.
// Anything else (--role-arn, another subcommand, an option awscli would act on that runbookd does
// not) keeps running the real command, which then behaves as it always did.
EksExecForm ClassifyExec(const ExecPluginSettings& plugin);

// `base` with the exec section's env entries on top (later entries win), as the command would see it.
aws::Environment ExecEnvironment(const aws::Environment& base, const ExecPluginSettings& plugin);

// The region the token is made for: --region, else AWS_REGION, AWS_DEFAULT_REGION, then the
// profile's `region` in the shared config file, as awscli resolves it. Empty when none is set.
std::string ResolveEksRegion(const EksGetTokenArgs& args, const aws::Environment& env);

// The native token settings for `plugin`, with `base` (the daemon's environment) under the exec
// section's env (without key variables when --profile names the profile, as botocore ignores them
// then). nullopt when the plugin is not one runbookd serves itself, or when it is but cannot be
// (`error` then says why: no region, or not a region name).
std::optional<NativeEksToken> NativeEksTokenFor(const ExecPluginSettings& plugin, const aws::Environment& base,
                                                std::string& error);

}  // namespace runbookd::k8s
