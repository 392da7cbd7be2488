// Label and field selectors with the grammar of k8s.io/apimachinery's labels.Parse and
// fields.ParseSelector, and the label selector rendering used for Scale.status.selector.

#include <algorithm>
#include <cctype>
#include <set>

#include "tests/support/fake_kube_internal.hpp"

namespace runbookd::testing::fake_kube {

namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

// Splits on commas outside parentheses (a set's values are comma-separated too).
std::vector<std::string> SplitTopLevel(std::string_view text) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string current;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(Trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!Trim(current).empty() || !parts.empty()) parts.push_back(Trim(current));
  return parts;
}

ApiError SelectorError(std::string_view text, const std::string& why) {
  return BadRequest("unable to parse requirement: " + why + " in selector \"" + std::string(text) + "\"");
}

std::vector<std::string> ParseSet(std::string_view rest, std::string_view whole) {
  const std::string trimmed = Trim(rest);
  if (trimmed.size() < 2 || trimmed.front() != '(' || trimmed.back() != ')') {
    throw SelectorError(whole, "expected a parenthesised set of values");
  }
  std::vector<std::string> values;
  std::string inner = trimmed.substr(1, trimmed.size() - 2);
  size_t start = 0;
  for (;;) {
    const size_t comma = inner.find(',', start);
    values.push_back(Trim(std::string_view(inner).substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

std::string LabelValue(const json::object& labels, const std::string& key, bool* present) {
  const auto* value = labels.if_contains(key);
  *present = value != nullptr && value->is_string();
  return *present ? std::string(value->as_string()) : std::string();
}

// A field's value as the server's field set renders it: strings as they are, absent as "".
std::string FieldValue(const json::object& object, std::string_view field) {
  if (field == "source") field = "source.component";  // events: "source" is the reporting component
  const json::object* map = &object;
  const json::value* at = nullptr;
  for (size_t start = 0;;) {
    const size_t dot = field.find('.', start);
    const auto part = field.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    at = map != nullptr ? map->if_contains(part) : nullptr;
    if (at == nullptr || dot == std::string_view::npos) break;
    map = at->if_object();
    start = dot + 1;
  }
  if (at == nullptr) return field == "spec.unschedulable" ? "false" : "";
  if (at->is_string()) return std::string(at->as_string());
  if (at->is_bool()) return at->as_bool() ? "true" : "false";
  return json::serialize(*at);
}

// The fields each kind may be selected on, besides metadata.name and metadata.namespace.
const std::set<std::string>& SelectableFields(const std::string& kind) {
  static const std::map<std::string, std::set<std::string>> kFields = {
      {"Event",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
        "reportingComponent", "source", "type"}},
      {"Pod",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"Node", {"spec.unschedulable"}},
      {"Namespace", {"status.phase"}},
      {"ReplicaSet", {"status.replicas"}},
  };
  static const std::set<std::string> kNone;
  auto it = kFields.find(kind);
  return it == kFields.end() ? kNone : it->second;
}

}  // namespace

LabelSelector LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  for (const auto& part : SplitTopLevel(text)) {
    if (part.empty()) throw SelectorError(text, "empty requirement");
    Requirement req;
    if (part[0] == '!') {
      req.key = Trim(std::string_view(part).substr(1));
      req.op = "!";
      selector.requirements_.push_back(std::move(req));
      continue;
    }
    size_t end = 0;
    while (end < part.size() && !std::isspace(static_cast<unsigned char>(part[end])) &&
           std::string_view("=!<>(").find(part[end]) == std::string_view::npos) {
      ++end;
    }
    req.key = part.substr(0, end);
    std::string rest = Trim(std::string_view(part).substr(end));
    if (req.key.empty()) throw SelectorError(text, "missing key");
    if (rest.empty()) {
      req.op = "exists";
    } else if (rest.starts_with("==") || rest.starts_with("=") || rest.starts_with("!=")) {
      const size_t width = rest.starts_with("=") && !rest.starts_with("==") ? 1 : 2;
      req.op = rest.starts_with("!=") ? "!=" : "=";
      req.values.push_back(Trim(std::string_view(rest).substr(width)));
    } else if (rest.starts_with("notin") && (rest.size() == 5 || rest[5] == ' ' || rest[5] == '(')) {
      req.op = "notin";
      req.values = ParseSet(std::string_view(rest).substr(5), text);
    } else if (rest.starts_with("in") && (rest.size() == 2 || rest[2] == ' ' || rest[2] == '(')) {
      req.op = "in";
      req.values = ParseSet(std::string_view(rest).substr(2), text);
    } else {
      throw SelectorError(text, "found '" + rest + "', expected: in, notin, =, ==, !=");
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool LabelSelector::Matches(const json::object& labels) const {
  for (const auto& req : requirements_) {
    bool present = false;
    const std::string value = LabelValue(labels, req.key, &present);
    const bool listed = std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    bool ok = false;
    if (req.op == "exists") ok = present;
    if (req.op == "!") ok = !present;
    if (req.op == "=" || req.op == "in") ok = present && listed;
    if (req.op == "!=" || req.op == "notin") ok = !present || !listed;
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::Parse(std::string_view text, const ResourceType& type) {
  FieldSelector selector;
  for (const auto& part : SplitTopLevel(text)) {
    if (part.empty()) continue;
    Requirement req;
    size_t op_at = part.find("!=");
    size_t width = 2;
    if (op_at != std::string::npos) {
      req.equal = false;
    } else if ((op_at = part.find("==")) == std::string::npos) {
      op_at = part.find('=');
      width = 1;
    }
    if (op_at == std::string::npos)
      throw BadRequest("invalid selector: '" + std::string(text) + "'; can't understand '" + part + "'");
    req.field = Trim(std::string_view(part).substr(0, op_at));
    req.value = Trim(std::string_view(part).substr(op_at + width));
    if (req.field != "metadata.name" && req.field != "metadata.namespace" &&
        !SelectableFields(type.kind).contains(req.field)) {
      throw BadRequest("field label not supported: " + req.field);
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::Matches(const json::object& object) const {
  for (const auto& req : requirements_) {
    if ((FieldValue(object, req.field) == req.value) != req.equal) return false;
  }
  return true;
}

std::string FormatLabelSelector(const json::object& selector) {
  std::vector<std::pair<std::string, std::string>> parts;  // key, rendered requirement
  if (const auto* labels = selector.if_contains("matchLabels"); labels && labels->is_object()) {
    for (const auto& [key, value] : labels->as_object()) {
      parts.emplace_back(key, std::string(key) + "=" + std::string(value.is_string() ? value.as_string() : ""));
    }
  }
  if (const auto* expressions = selector.if_contains("matchExpressions"); expressions && expressions->is_array()) {
    for (const auto& item : expressions->as_array()) {
      const auto& expr = item.as_object();
      const std::string key(expr.at("key").as_string());
      const std::string op(expr.at("operator").as_string());
      std::vector<std::string> values;
      if (const auto* list = expr.if_contains("values"); list && list->is_array()) {
        for (const auto& v : list->as_array()) values.emplace_back(v.as_string());
      }
      std::sort(values.begin(), values.end());
      std::string joined;
      for (const auto& v : values) joined += (joined.empty() ? "" : ",") + v;
      if (op == "In") parts.emplace_back(key, key + " in (" + joined + ")");
      if (op == "NotIn") parts.emplace_back(key, key + " notin (" + joined + ")");
      if (op == "Exists") parts.emplace_back(key, key);
      if (op == "DoesNotExist") parts.emplace_back(key, "!" + key);
    }
  }
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, text] : parts) out += (out.empty() ? "" : ",") + text;
  return out;
}

}  // namespace runbookd::testing::fake_kube
