#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/clock.hpp"
#include "daemon/engine/probe_runner.hpp"
#include "daemon/store/records.hpp"

namespace runbookd {

// The JSON shapes of the API (GET /api/v1/probes, /incidents, /incidents/{id}); runbookctl reads
// the same fields.
std::string Rfc3339(WallTime t);
boost::json::object ProbeViewJson(const ProbeView& view);
boost::json::object IncidentJson(const store::IncidentRecord& incident);
boost::json::object IncidentDetailJson(const store::IncidentDetail& detail);

// A path parameter that must be a positive integer id (incidents, approvals, silences), or nullopt.
std::optional<int64_t> ParsePathId(const std::string& raw);

// A request body that must be one JSON object. nullopt with `error` naming the JSON path
// ("$: not valid JSON: ...", "$: expected <expected>") otherwise.
std::optional<boost::json::object> ParseObjectBody(const std::string& body, std::string_view expected,
                                                   std::string& error);

}  // namespace runbookd
