#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/node.hpp"
#include "daemon/clients/k8s/client.hpp"
#include "daemon/clients/k8s/resources.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"
#include "daemon/core/registry.hpp"

// What the k8s_* probe types share, so that they answer alike (see probes/k8s_common/README.md).
namespace runbookd::probes::k8s_common {

// What a 404 means to the probe that got it.
enum class NotFoundMeans {
  kCheckedObjectMissing,  // the object the probe checks does not exist: unhealthy, not_found
  kApiError,              // a collection or API group that should exist: unknown, api_error
};

// The one mapping of a failed API call to a probe result. `object` names what was asked for
// ("deployment production/web") and appears in the detail of a missing checked object.
ProbeResult ResultOfApiError(const k8s::ApiError& error, NotFoundMeans not_found, std::string_view object);

// unknown/api_error for a 2xx answer whose body is not what the API documents.
ProbeResult UnusableAnswer(std::string_view what);

// Ends an assessment against its threshold: unhealthy for `reason` when `unhealthy`, else
// healthy/ok; the same `detail` either way.
void Judge(ProbeResult& result, bool unhealthy, ProbeReason reason, std::string detail);

// The `items` of a List answer (absent or null items: none); nullptr when `list` is not an object
// or its items are not an array.
const boost::json::array* ItemsOf(const boost::json::value& list);

// Records a config error on `spec` when the item has no connection of type kubernetes; false then.
bool CheckConnection(const config::Node& spec, const ProbeDeps& deps, std::string_view type);

// Records an error on `spec` (and returns false) when it is present but not a mapping, or absent
// while `needs_spec` (the type has required keys, named in `required` for the message).
bool CheckSpecShape(const config::Node& spec, std::string_view type, std::string_view required);

// An object name key (namespace, deployment, service): a DNS-1123 subdomain, so that it is safe in
// a REST path. Empty when absent; an error is recorded when it is not a valid name.
std::string ReadObjectName(const config::Node& node);

// The clock to read "now" from: the injected one (the daemon always injects it).
const Clock& ClockOf(const ProbeDeps& deps);

// RFC 3339 as the API writes metav1.Time and MicroTime: "2024-05-01T12:34:56Z", optionally with
// fractional seconds and a numeric offset. nullopt when it is not one.
std::optional<WallTime> ParseTime(std::string_view text);

// An age as kubectl prints it (HumanDuration): 45s, 3m20s, 2h, 5d. Negative ages (clock skew) are 0s.
std::string FormatAge(std::chrono::nanoseconds age);

// `text` on one line (newlines become spaces), cut to at most `max_bytes` bytes at a UTF-8
// boundary, with "..." when cut.
std::string OneLine(std::string_view text, std::size_t max_bytes);

// "ns/name".
inline std::string Qualified(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

// The names the *_assessment.cpp files read API objects with, listed once here instead of at the
// top of each: they say `using namespace k8s_common::reading;`.
namespace reading {
namespace common = k8s_common;
namespace json = boost::json;
using k8s::Find;
using k8s::IntAt;
using k8s::StringAt;
}  // namespace reading

}  // namespace runbookd::probes::k8s_common
