#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.hpp"
#include "daemon/core/probe_result.hpp"

namespace runbookd::probes::k8s_events {

// A `type: k8s_events` spec (keys in probes/k8s_events/README.md).
struct EventsSpec {
  std::string ns;  // empty: the connection's default namespace (resolved when the probe runs)
  std::chrono::milliseconds window = std::chrono::minutes(15);
  std::vector<std::string> reasons;  // empty: every reason counts
  std::string involved_object;       // empty: any; "name", or "prefix*"
  int64_t max_warnings = 0;          // more Warning events than this in the window: unhealthy
};

// Judges an EventList (LIST /api/v1/namespaces/NS/events?fieldSelector=type=Warning). An event's
// time is the first present of series.lastObservedTime, lastTimestamp, eventTime, firstTimestamp,
// metadata.creationTimestamp; it counts when within `window` before `now`, weighing its `count`.
ProbeResult AssessEvents(const boost::json::value& event_list, std::string_view ns, WallTime now,
                         const EventsSpec& spec);

}  // namespace runbookd::probes::k8s_events
