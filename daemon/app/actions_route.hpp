#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app/item_settings.hpp"
#include "daemon/engine/action_pipeline.hpp"
#include "daemon/engine/action_runner.hpp"
#include "daemon/http/router.hpp"

namespace runbookd {

// The body of POST /api/v1/actions/{name}/run: {"params": {"k": "v"}, "dry_run": false}.
struct RunActionBody {
  ActionParams params;
  bool dry_run = false;
};
// nullopt with `error` naming the JSON path when the body is unusable.
std::optional<RunActionBody> ParseRunActionBody(const std::string& body, std::string& error);

// The run's answer: {"action", "dry_run", "intent_id", "plan": {...}, "outcome": {...}}, and its
// HTTP status: 200 done/noop/dry run; 400 invalid params; 409 refused/conflict/not found/busy/
// verification failed/approval required; 503 the API server failed, or the store could not record
// the intent (nothing ran).
http::Response RunResultResponse(const ActionRunResult& result);

// An attempt's answer: 202 {"state": "pending", "approval_id"} while it waits for approval; 409
// {"code": "denied_by_<gate>" or "busy", "decisions"} when a gate said no; otherwise as
// RunResultResponse.
http::Response AttemptResponse(const AttemptResult& attempt);

// POST /api/v1/actions/{name}/run (operator): one attempt through the gated pipeline, the same
// gates as an automatic run (dry run, silences, budgets, freeze, approval, re-validation).
http::Handler MakeRunActionHandler(std::shared_ptr<const std::vector<ActionSettings>> actions,
                                   std::function<ActionPipeline&()> pipeline);

}  // namespace runbookd
