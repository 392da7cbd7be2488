#include "daemon/clients/aws/profile_files.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace runbookd::aws {

namespace {

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// "~/x" against HOME; anything else unchanged.
std::string ExpandHome(const std::string& path, const Environment& env) {
  if (path.rfind("~/", 0) != 0) return path;
  const std::optional<std::string> home = Lookup(env, "HOME");
  return home ? *home + path.substr(1) : std::string();
}

// The file's sections; an absent file has none. nullopt (with `error`) when unreadable or malformed.
std::optional<IniSections> LoadIni(const std::string& path, std::string& error) {
  std::error_code ec;
  if (path.empty() || (!std::filesystem::exists(path, ec) && !ec)) return IniSections{};
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot read " + Quoted(path) + ": it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + Quoted(path) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string parse_error;
  std::optional<IniSections> sections = ParseIni(text.str(), parse_error);
  if (!sections) error = Quoted(path) + " " + parse_error;
  return sections;
}

bool Has(const IniSection& section, const std::string& key) {
  const auto it = section.find(key);
  return it != section.end() && !it->second.empty();
}

std::string Get(const IniSection& section, const std::string& key) {
  const auto it = section.find(key);
  return it == section.end() ? std::string() : it->second;
}

// Static keys from one file's section; kNotConfigured when it has none.
CredentialsResult KeysFrom(const IniSection& section, const std::string& profile, const std::string& file) {
  const bool has_id = Has(section, "aws_access_key_id");
  const bool has_secret = Has(section, "aws_secret_access_key");
  if (!has_id && !has_secret) return CredentialsFailure(CredentialsStatus::kNotConfigured, "");
  if (!has_id || !has_secret) {
    return CredentialsFailure(CredentialsStatus::kFailed,
                              "profile " + Quoted(profile) + " in " + Quoted(file) + " has " +
                                  (has_id ? "aws_access_key_id but no aws_secret_access_key"
                                          : "aws_secret_access_key but no aws_access_key_id"));
  }
  CredentialsResult r;
  r.credentials.access_key_id = config::Secret(Get(section, "aws_access_key_id"));
  r.credentials.secret_access_key = config::Secret(Get(section, "aws_secret_access_key"));
  // aws_security_token is the legacy name botocore still reads.
  const std::string token =
      Has(section, "aws_session_token") ? Get(section, "aws_session_token") : Get(section, "aws_security_token");
  r.credentials.session_token = config::Secret(token);
  r.credentials.source = "profile " + profile;
  return r;
}

}  // namespace

std::optional<IniSections> ParseIni(std::string_view text, std::string& error) {
  IniSections sections;
  IniSection* current = nullptr;
  std::string* last_value = nullptr;
  int line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';') continue;
    // configparser: an indented line continues the previous value (nested settings such as `s3 =`).
    if ((line.front() == ' ' || line.front() == '\t') && last_value != nullptr) {
      *last_value += "\n" + std::string(trimmed);
      continue;
    }
    if (trimmed.front() == '[') {
      if (trimmed.back() != ']') {
        error = "line " + std::to_string(line_number) + ": a section header must end with ']'";
        return std::nullopt;
      }
      current = &sections[std::string(Trim(trimmed.substr(1, trimmed.size() - 2)))];
      last_value = nullptr;
      continue;
    }
    const size_t sep = trimmed.find_first_of("=:");
    if (current == nullptr || sep == std::string_view::npos) {
      error = "line " + std::to_string(line_number) +
              (current == nullptr ? ": a setting before any [section]" : ": expected key = value");
      return std::nullopt;
    }
    std::string& value = (*current)[Lower(Trim(trimmed.substr(0, sep)))];
    value = std::string(Trim(trimmed.substr(sep + 1)));
    last_value = &value;
  }
  return sections;
}

SharedFiles LocateSharedFiles(const Environment& env, std::string_view profile_override) {
  SharedFiles files;
  files.credentials_file = ExpandHome(Lookup(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  files.config_file = ExpandHome(Lookup(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  if (!profile_override.empty()) {
    files.profile = std::string(profile_override);
  } else if (auto p = Lookup(env, "AWS_PROFILE")) {
    files.profile = *p;
  } else if (auto d = Lookup(env, "AWS_DEFAULT_PROFILE")) {
    files.profile = *d;
  }
  files.profile_explicit = !files.profile.empty();
  if (files.profile.empty()) files.profile = "default";
  return files;
}

namespace {

// The profile's section in each file, as found.
struct ProfileSections {
  std::optional<IniSection> config;       // `[profile NAME]`, or `[default]` for the default profile
  std::optional<IniSection> credentials;  // `[NAME]`
};

std::optional<ProfileSections> FindProfile(const SharedFiles& files, std::string& error) {
  const std::optional<IniSections> config = LoadIni(files.config_file, error);
  if (!config) return std::nullopt;
  const std::optional<IniSections> credentials = LoadIni(files.credentials_file, error);
  if (!credentials) return std::nullopt;
  ProfileSections found;
  auto it = config->find("profile " + files.profile);
  if (it == config->end() && files.profile == "default") it = config->find("default");
  if (it != config->end()) found.config = it->second;
  if (auto c = credentials->find(files.profile); c != credentials->end()) found.credentials = c->second;
  return found;
}

}  // namespace

std::optional<IniSection> LoadProfile(const SharedFiles& files, std::string& error) {
  const std::optional<ProfileSections> found = FindProfile(files, error);
  if (!found || (!found->config && !found->credentials)) return std::nullopt;
  IniSection merged = found->config.value_or(IniSection{});
  if (found->credentials) {
    for (const auto& [k, v] : *found->credentials) merged[k] = v;
  }
  return merged;
}

CredentialsResult ReadProfileCredentials(const SharedFiles& files) {
  std::string error;
  const std::optional<ProfileSections> found = FindProfile(files, error);
  if (!found) return CredentialsFailure(CredentialsStatus::kFailed, error);
  if (!found->config && !found->credentials) {
    // botocore: a profile someone named must exist (ProfileNotFound); a missing default is fine.
    if (!files.profile_explicit) return CredentialsFailure(CredentialsStatus::kNotConfigured, "");
    return CredentialsFailure(CredentialsStatus::kFailed, "profile " + Quoted(files.profile) + " is in neither " +
                                                              Quoted(files.credentials_file) + " nor " +
                                                              Quoted(files.config_file));
  }
  // botocore resolves these before static keys; using the keys instead would act as someone else.
  static constexpr std::array<std::pair<const char*, const char*>, 5> kNotYet = {{
      {"role_arn", "assume role (role_arn)"},
      {"credential_process", "credential_process"},
      {"sso_session", "SSO (sso_session)"},
      {"sso_start_url", "SSO (sso_start_url)"},
      {"web_identity_token_file", "web identity in a profile (web_identity_token_file)"},
  }};
  for (const auto& section : {found->credentials, found->config}) {
    if (!section) continue;
    for (const auto& [key, what] : kNotYet) {
      if (Has(*section, key)) {
        return CredentialsFailure(CredentialsStatus::kFailed, "profile " + Quoted(files.profile) + " uses " + what +
                                                                  ", which runbookd does not support yet");
      }
    }
  }
  // The credentials file first, then the config file (SharedCredentialProvider, ConfigProvider).
  if (found->credentials) {
    CredentialsResult r = KeysFrom(*found->credentials, files.profile, files.credentials_file);
    if (r.status != CredentialsStatus::kNotConfigured) return r;
  }
  if (found->config) {
    CredentialsResult r = KeysFrom(*found->config, files.profile, files.config_file);
    if (r.status != CredentialsStatus::kNotConfigured) return r;
  }
  // A profile with settings but no keys (a region, say): the later sources may still apply.
  return CredentialsFailure(CredentialsStatus::kNotConfigured, "");
}

}  // namespace runbookd::aws
