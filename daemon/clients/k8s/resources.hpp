#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

// REST paths of the objects runbookd reads and changes, and small facts about objects that
// several probes and actions need. Pure functions.
namespace runbookd::k8s {

// Query escaping as Go's url.QueryEscape (what client-go sends): space becomes '+'.
std::string QueryEscape(std::string_view text);

std::string DeploymentPath(std::string_view ns, std::string_view name);
std::string DeploymentScalePath(std::string_view ns, std::string_view name);
std::string DeploymentsPath(std::string_view ns);
// `label_selector` is a rendered selector ("app=web,tier in (a,b)"); empty lists everything.
std::string ReplicaSetsPath(std::string_view ns, std::string_view label_selector);
std::string PodsPath(std::string_view ns, std::string_view label_selector);
std::string PodPath(std::string_view ns, std::string_view name);
std::string NodesPath();
std::string ServicePath(std::string_view ns, std::string_view name);
std::string EndpointsPath(std::string_view ns, std::string_view name);
// EndpointSlices of one Service (labelSelector kubernetes.io/service-name=NAME).
std::string EndpointSlicesPath(std::string_view ns, std::string_view service);
// Events of a namespace; `field_selector` e.g. "type=Warning" (empty: all).
std::string EventsPath(std::string_view ns, std::string_view field_selector);

// A metav1.LabelSelector (`matchLabels`, `matchExpressions`) rendered as the API's labelSelector
// string, the way client-go's labels.Selector.String() does: requirements sorted by key, values
// of in/notin sorted. nullopt (with `error`) for an unknown operator or a malformed selector.
std::optional<std::string> RenderLabelSelector(const boost::json::value& selector, std::string* error = nullptr);

// metav1.IsControlledBy: `obj` has an ownerReference with controller: true and this uid.
bool IsControlledBy(const boost::json::value& obj, std::string_view owner_uid);

// Small readers that tolerate missing fields: the value at a path of object keys, or null.
const boost::json::value* Find(const boost::json::value& v, std::initializer_list<std::string_view> path);
std::string StringAt(const boost::json::value& v, std::initializer_list<std::string_view> path);
std::optional<int64_t> IntAt(const boost::json::value& v, std::initializer_list<std::string_view> path);

// "kind namespace/name" identity facts a plan records: {kind, namespace, name, uid, resourceVersion}.
boost::json::object ObservedIdentity(std::string_view kind, const boost::json::value& obj);

}  // namespace runbookd::k8s
