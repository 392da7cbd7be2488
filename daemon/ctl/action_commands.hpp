#pragma once

#include <string>
#include <vector>

#include "daemon/ctl/api_client.hpp"

namespace runbookd::ctl {

// `runbookctl run ACTION [--param KEY=VALUE ...] [--dry-run]`: plans the action and, unless
// --dry-run, runs it through runbookd; prints the plan and what happened. Exit 0 when it acted
// or had nothing to do, 1 when it refused or failed, 2 for a malformed --param.
int RunAction(const ApiClient& api, const std::string& action, const std::vector<std::string>& params, bool dry_run,
              bool as_json);

}  // namespace runbookd::ctl
