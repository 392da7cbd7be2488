#pragma once

#include <boost/json/object.hpp>
#include <string>

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

}  // namespace runbookd
