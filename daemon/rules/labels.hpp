#pragma once

#include <map>
#include <string>
#include <string_view>

namespace runbookd::rules {

// Labels of an alert, a probe, an incident group. Ordered, so that formatting is stable.
using LabelSet = std::map<std::string, std::string>;

// Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// `a="x",b="y"` in name order, `\` `"` and newlines escaped as in the Prometheus text format, so two
// different label sets never give the same string. Empty for an empty set.
std::string FormatLabels(const LabelSet& labels);

// `"value"` with `\`, `"` and newlines escaped.
std::string QuoteLabelValue(std::string_view value);

// The value of `name`, or "" when absent: Alertmanager treats an absent label as an empty one.
std::string_view LabelValue(const LabelSet& labels, const std::string& name);

}  // namespace runbookd::rules
