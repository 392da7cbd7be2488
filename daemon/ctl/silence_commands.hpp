#pragma once

#include <string>
#include <vector>

#include "daemon/ctl/api_client.hpp"

namespace runbookd::ctl {

// `runbookctl silence add MATCHER... (--duration 2h | --until TIME) [--comment TEXT]`: MATCHER is
// NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX (runbookd checks them). Prints the silence.
// Exit 2 when neither or both of `duration` and `until` are given.
int AddSilence(const ApiClient& api, const std::vector<std::string>& matchers, const std::string& duration,
               const std::string& until, const std::string& comment, bool as_json);

// `runbookctl silence list [--all]`: active and scheduled silences (with --all, ended ones too).
int ListSilences(const ApiClient& api, bool all, bool as_json);

// `runbookctl silence expire ID`: ends the silence now.
int ExpireSilence(const ApiClient& api, const std::string& id, bool as_json);

}  // namespace runbookd::ctl
