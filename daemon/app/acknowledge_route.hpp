#pragma once

#include <functional>

#include "daemon/app/gated_actions.hpp"
#include "daemon/http/router.hpp"

namespace runbookd {

// POST /api/v1/incidents/{id}/acknowledge (approver), body {"comment": "..."} or empty: the
// calling token's name takes the open incident. The escalation ladder stops (progress updates go
// on), the timeline records who, and everyone told so far hears it (PagerDuty: `acknowledge`).
// 200 {"incident_id", "acknowledged_by", "comment"}; 404 not_found for an incident that is not
// open; 409 already_acknowledged.
http::Handler MakeAcknowledgeHandler(std::function<GatedActions&()> gated);

}  // namespace runbookd
