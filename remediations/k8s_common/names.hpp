#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"
#include "daemon/core/action.hpp"
#include "daemon/core/registry.hpp"

// Names, namespaces, params and spec preludes shared by the Kubernetes actions. Pure.
namespace runbookd::remediations::k8s_common {

// A Deployment an action works on.
struct DeploymentRef {
  std::string ns;
  std::string name;

  std::string Target() const { return ns + "/deployment/" + name; }  // ActionPlan::target
  std::string Display() const { return ns + "/" + name; }            // in summaries
};

// DNS-1123 subdomain, the rule for Deployment and Pod names: at most 253 of [a-z0-9.-], starting
// and ending with [a-z0-9]. Names go into URL paths, so nothing else may pass (no '/', '?', '%').
bool IsObjectName(std::string_view name);
// DNS-1123 label, the rule for namespaces: at most 63 of [a-z0-9-], starting and ending with [a-z0-9].
bool IsNamespaceName(std::string_view name);

// Go's %q for the plain names kubectl quotes in its messages.
std::string GoQuote(std::string_view text);

// A decimal int64 as Go's strconv.ParseInt(s, 10, 64) accepts it (optional sign, digits only).
std::optional<int64_t> ParseInt64(std::string_view text);

// The revision a ReplicaSet or Deployment carries in `deployment.kubernetes.io/revision`, as
// kubectl's deploymentutil.Revision: absent → 0; unparsable → nullopt with `error` set to Go's text.
inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
std::optional<int64_t> RevisionOf(const boost::json::value& object, std::string* error = nullptr);

// The images of a pod template's containers, "a:1, b:2" (for summaries).
std::string ImagesOf(const boost::json::value& pod_template);

// The first key of `params` not in `allowed` (to name it in an invalid_params verdict).
std::optional<std::string> UnknownParam(const ActionParams& params, std::initializer_list<std::string_view> allowed);
// "unknown param \"x\" (k8s_scale accepts: replicas)" or "(k8s_x accepts no params)".
std::string UnknownParamMessage(std::string_view type, std::string_view param,
                                std::initializer_list<std::string_view> allowed);

// Factory preludes. Each records its error on `spec` and returns false when it fails.
// The spec must be a mapping (`required_keys` names what it needs at least, for the message).
bool CheckSpecIsMapping(const config::Node& spec, std::string_view type, std::string_view required_keys);
// The item must name a connection of type kubernetes.
bool CheckKubernetesConnection(const config::Node& spec, const ActionDeps& deps, std::string_view type);

size_t ErrorCount(const config::Node& node);

// A required object name key (`deployment`, `name`): an error when absent or not a valid name.
std::string ReadObjectName(const config::Node& spec, std::string_view key, bool required = true);
// The `namespace` key, validated; empty when absent (the connection's default applies).
std::string ReadNamespaceKey(const config::Node& spec);
// `configured` when set, else the connection's default namespace (the kubeconfig context's).
std::string ResolveNamespace(const std::string& configured, const ActionDeps& deps);

// `namespace` and the required `deployment` of a spec; the namespace stays empty when absent.
DeploymentRef ReadDeploymentRef(const config::Node& spec);

// The string at `key` of a plan's details (empty when absent).
std::string DetailString(const boost::json::object& details, std::string_view key);
// The integer at `key` of a plan's details.
std::optional<int64_t> DetailInt(const boost::json::object& details, std::string_view key);

}  // namespace runbookd::remediations::k8s_common
