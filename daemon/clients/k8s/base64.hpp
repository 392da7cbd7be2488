#pragma once

#include <optional>
#include <string>
#include <string_view>

// Standard base64 (RFC 4648 §4), as kubeconfig `*-data` keys and ExecCredential cluster info use it.
namespace runbookd::k8s {

std::string Base64Encode(std::string_view bytes);
// Tolerates whitespace and missing padding (Go's decoder in kubeconfig loading does not, but
// hand-edited files often wrap lines); nullopt for any other character or a truncated quantum.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace runbookd::k8s
