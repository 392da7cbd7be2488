#include "daemon/rules/labels.hpp"

namespace runbookd::rules {

namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

}  // namespace

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name.front())) return false;
  for (char c : name) {
    if (!IsNameStart(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string QuoteLabelValue(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string FormatLabels(const LabelSet& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += name + "=" + QuoteLabelValue(value);
  }
  return out;
}

std::string_view LabelValue(const LabelSet& labels, const std::string& name) {
  auto it = labels.find(name);
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace runbookd::rules
