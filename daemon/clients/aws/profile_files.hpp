#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/clients/aws/credentials.hpp"

// The shared credentials and config files (~/.aws/credentials, ~/.aws/config).
namespace runbookd::aws {

// One section: keys lower-cased, values trimmed (indented continuation lines are appended with '\n').
using IniSection = std::map<std::string, std::string>;
using IniSections = std::map<std::string, IniSection>;

// Parses the INI dialect botocore reads with configparser: `[section]`, `key = value` or
// `key: value`, whole-line comments with '#' or ';'. nullopt with `error` ("line N: ...") when a
// line is neither. No inline comments, as configparser's default has none.
std::optional<IniSections> ParseIni(std::string_view text, std::string& error);

// Which files and which profile botocore would use for this environment.
struct SharedFiles {
  std::string credentials_file;   // AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; empty: none
  std::string config_file;        // AWS_CONFIG_FILE, else ~/.aws/config; empty: none
  std::string profile;            // `profile_override`, else AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"
  bool profile_explicit = false;  // named by the caller or the environment: absent is then an error
};
SharedFiles LocateSharedFiles(const Environment& env, std::string_view profile_override);

// The profile's settings: the config file's `[profile NAME]` (or `[default]`), overlaid by the
// credentials file's `[NAME]`, as botocore merges them. nullopt when neither file has it; `error`
// is set (and nullopt returned) when a file exists but cannot be read or parsed.
std::optional<IniSection> LoadProfile(const SharedFiles& files, std::string& error);

// The profile's static keys: the credentials file first, then the config file (botocore's
// SharedCredentialProvider, then ConfigProvider). kNotConfigured when the default profile is absent
// or a profile has no keys; kFailed for an explicitly named profile that is absent (botocore's
// ProfileNotFound), partial keys, a file that cannot be read or parsed, or a profile that needs what
// runbookd does not do yet (role_arn, credential_process, SSO, web_identity_token_file).
CredentialsResult ReadProfileCredentials(const SharedFiles& files);

}  // namespace runbookd::aws
