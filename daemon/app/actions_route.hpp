#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app/item_settings.hpp"
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

// POST /api/v1/actions/{name}/run (operator). `actions` gives the generation's configured actions;
// `server_dry_run` is server.dry_run.
http::Handler MakeRunActionHandler(std::shared_ptr<const std::vector<ActionSettings>> actions, bool server_dry_run,
                                   std::function<ActionRunner&()> runner);

}  // namespace runbookd
