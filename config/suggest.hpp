#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbookd::config {

// The candidate closest to `word` by edit distance, when close enough to be a likely typo.
std::optional<std::string> Closest(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or an empty string.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace runbookd::config
