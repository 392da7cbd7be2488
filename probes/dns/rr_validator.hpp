#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "daemon/clients/dns/message.hpp"
#include "daemon/core/go_regex.hpp"

namespace runbookd::dns {

// blackbox_exporter's validate_{answer,authority,additional}_rrs block. Each regex is matched
// (unanchored, Go syntax) against every record as miekg/dns prints it:
// "name.\tTTL\tCLASS\tTYPE\tdata".
struct RrValidator {
  std::vector<GoRegex> fail_if_matches_regexp;       // fail when any record matches any of them
  std::vector<GoRegex> fail_if_all_match_regexp;     // blackbox's code: fail when some record misses one
  std::vector<GoRegex> fail_if_not_matches_regexp;   // fail when some record misses one of them
  std::vector<GoRegex> fail_if_none_matches_regexp;  // fail when no record matches any of them
};

// Reads the block (undefined node: an empty validator); errors are recorded on the node.
RrValidator ReadRrValidator(const config::Node& node);

// A list of regexes (or one string) compiled with Go semantics; bad ones are recorded as errors.
std::vector<GoRegex> ReadRegexList(const config::Node& node);

// blackbox's validRRs: nullopt when the records pass, else why they do not.
std::optional<std::string> ValidateRecords(const std::vector<ResourceRecord>& records, const RrValidator& validator);

}  // namespace runbookd::dns
