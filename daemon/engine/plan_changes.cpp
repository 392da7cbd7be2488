#include "daemon/engine/plan_changes.hpp"

#include <boost/json/object.hpp>

namespace runbookd {

namespace json = boost::json;

namespace {

std::string Field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// "Deployment production/ecommerce-backend", as an observed identity names its object.
std::string Named(const json::object& o) {
  const std::string ns = Field(o, "namespace");
  return Field(o, "kind") + " " + (ns.empty() ? "" : ns + "/") + Field(o, "name");
}

const json::object* SameObject(const json::object& wanted, const json::array& observed) {
  for (const auto& v : observed) {
    if (!v.is_object()) continue;
    const auto& o = v.get_object();
    if (Field(o, "kind") == Field(wanted, "kind") && Field(o, "namespace") == Field(wanted, "namespace") &&
        Field(o, "name") == Field(wanted, "name")) {
      return &o;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> ObservedChanges(const json::array& before, const json::array& after, int* compared) {
  std::vector<std::string> changes;
  int count = 0;
  for (const auto& v : before) {
    if (!v.is_object()) continue;
    const auto& was = v.get_object();
    const json::object* now = SameObject(was, after);
    if (now == nullptr) continue;
    ++count;
    if (Field(was, "uid") != Field(*now, "uid")) {
      changes.push_back(Named(was) + " was replaced");
    } else if (Field(was, "resourceVersion") != Field(*now, "resourceVersion")) {
      changes.push_back(Named(was) + " (resourceVersion " + Field(was, "resourceVersion") + " -> " +
                        Field(*now, "resourceVersion") + ")");
    }
  }
  if (compared) *compared = count;
  return changes;
}

}  // namespace runbookd
