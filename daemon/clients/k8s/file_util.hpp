#pragma once

#include <optional>
#include <string>
#include <string_view>

// Small file helpers shared by kubeconfig loading, in-cluster settings and token files.
namespace runbookd::k8s {

// The whole file, or nullopt with the reason (strerror text) in `error`.
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error);

// Without leading and trailing whitespace (token and namespace files end with a newline).
std::string TrimWhitespace(std::string_view text);

// `path` when absolute (or empty), else `base_dir`/`path`.
std::string ResolveAgainst(const std::string& base_dir, const std::string& path);

}  // namespace runbookd::k8s
