#pragma once

#include <string>

#include "daemon/core/clock.hpp"

namespace runbookd::gates {

// A time for a one-line gate reason: "11:05:00Z" when it falls on the same UTC day as `now`,
// else "2027-01-16T11:05:00Z", so that a reason read the next morning is not ambiguous.
std::string ClockText(WallTime at, WallTime now);

// "2027-01-15T08:00:00.000Z", for machine-read output.
std::string Rfc3339(WallTime at);

// A duration as config writes it: "1h", "90s", "1h30m".
std::string DurationText(std::chrono::milliseconds d);

}  // namespace runbookd::gates
