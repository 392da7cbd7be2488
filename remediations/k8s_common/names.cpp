#include "remediations/k8s_common/names.hpp"

#include <algorithm>
#include <charconv>

#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"

namespace runbookd::remediations::k8s_common {

namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsDnsName(std::string_view name, size_t max_length, bool allow_dots) {
  if (name.empty() || name.size() > max_length) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [allow_dots](char c) { return IsLowerAlnum(c) || c == '-' || (allow_dots && c == '.'); });
}

std::string Join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

}  // namespace

bool IsObjectName(std::string_view name) { return IsDnsName(name, 253, true); }
bool IsNamespaceName(std::string_view name) { return IsDnsName(name, 63, false); }

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text.front() == '+') {  // Go accepts one leading sign, '+' too
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return std::nullopt;
  }
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int64_t> RevisionOf(const boost::json::value& object, std::string* error) {
  const auto* found = k8s::Find(object, {"metadata", "annotations", kRevisionAnnotation});
  if (found == nullptr) return 0;
  const std::string text = found->is_string() ? std::string(found->get_string()) : std::string();
  auto value = ParseInt64(text);
  if (!value && error) {
    // strconv.ParseInt's error text; "value out of range" when only the size is wrong.
    const bool digits = !text.empty() && std::all_of(text.begin() + (text[0] == '-' || text[0] == '+'), text.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    *error = "strconv.ParseInt: parsing " + GoQuote(text) + (digits ? ": value out of range" : ": invalid syntax");
  }
  return value;
}

std::string ImagesOf(const boost::json::value& pod_template) {
  std::string out;
  const auto* containers = k8s::Find(pod_template, {"spec", "containers"});
  if (containers == nullptr || !containers->is_array()) return out;
  for (const auto& c : containers->get_array()) {
    out += (out.empty() ? "" : ", ") + k8s::StringAt(c, {"image"});
  }
  return out;
}

std::optional<std::string> UnknownParam(const ActionParams& params, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, _] : params) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return key;
  }
  return std::nullopt;
}

std::string UnknownParamMessage(std::string_view type, std::string_view param,
                                std::initializer_list<std::string_view> allowed) {
  const std::string accepted =
      allowed.size() == 0 ? std::string(type) + " accepts no params" : std::string(type) + " accepts: " + Join(allowed);
  return "unknown param " + GoQuote(param) + " (" + accepted + ")";
}

bool CheckSpecIsMapping(const config::Node& spec, std::string_view type, std::string_view required_keys) {
  if (spec.defined() && spec.is_map()) return true;
  spec.Error("action type " + std::string(type) + " needs a spec with at least " + std::string(required_keys));
  return false;
}

bool CheckKubernetesConnection(const config::Node& spec, const ActionDeps& deps, std::string_view type) {
  if (deps.kubernetes) return true;
  if (!deps.connection.empty()) {
    spec.Error("action type " + std::string(type) + " needs a connection of type kubernetes; \"" + deps.connection +
               "\" is not one");
    return false;
  }
  spec.Error("action type " + std::string(type) + " needs a connection of type kubernetes (set connection: NAME)");
  return false;
}

size_t ErrorCount(const config::Node& node) { return node.diagnostics().items().size(); }

std::string ReadObjectName(const config::Node& spec, std::string_view key, bool required) {
  const config::Node node = required ? spec.Required(key) : spec[key];
  if (!node.defined()) return {};
  std::string name = node.AsString();
  if (!IsObjectName(name)) {
    node.Error("not a valid Kubernetes object name: " + GoQuote(name) +
               " (lowercase letters, digits, '-' and '.', at most 253)");
    return {};
  }
  return name;
}

std::string ReadNamespaceKey(const config::Node& spec) {
  const config::Node node = spec["namespace"];
  if (!node.defined()) return {};
  std::string ns = node.AsString();
  if (!IsNamespaceName(ns)) {
    node.Error("not a valid namespace: " + GoQuote(ns) + " (lowercase letters, digits and '-', at most 63)");
    return {};
  }
  return ns;
}

std::string ResolveNamespace(const std::string& configured, const ActionDeps& deps) {
  if (!configured.empty() || !deps.kubernetes) return configured;
  return deps.kubernetes->default_namespace();
}

DeploymentRef ReadDeploymentRef(const config::Node& spec) {
  DeploymentRef ref;
  ref.ns = ReadNamespaceKey(spec);
  ref.name = ReadObjectName(spec, "deployment");
  return ref;
}

std::string DetailString(const boost::json::object& details, std::string_view key) {
  const auto* found = details.if_contains(key);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

std::optional<int64_t> DetailInt(const boost::json::object& details, std::string_view key) {
  const auto* found = details.if_contains(key);
  if (found == nullptr) return std::nullopt;
  if (found->is_int64()) return found->get_int64();
  if (found->is_uint64()) return static_cast<int64_t>(found->get_uint64());
  return std::nullopt;
}

}  // namespace runbookd::remediations::k8s_common
