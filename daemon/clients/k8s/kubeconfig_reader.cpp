#include "daemon/clients/k8s/kubeconfig_reader.hpp"

namespace runbookd::k8s {

namespace {

std::string Join(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : where + "." + std::string(key);
}

// The child, or an undefined node when absent or null.
YAML::Node Child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& self = map;  // the const operator[] never inserts
  YAML::Node child = self[key];
  if (!child.IsDefined() || child.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return child;
}

}  // namespace

void KubeconfigReader::Fail(const YAML::Node& at, const std::string& where, std::string_view what) {
  if (failed()) return;
  std::string place = file_;
  if (at.IsDefined() && !at.Mark().is_null()) {
    place += ":" + std::to_string(at.Mark().line + 1) + ":" + std::to_string(at.Mark().column + 1);
  }
  error_ = place + ": " + where + ": " + std::string(what);
}

std::string KubeconfigReader::String(const YAML::Node& map, const char* key, const std::string& where) {
  YAML::Node child = Child(map, key);
  if (!child.IsDefined()) return {};
  if (!child.IsScalar()) {
    Fail(child, Join(where, key), "expected a string");
    return {};
  }
  return child.Scalar();
}

bool KubeconfigReader::Bool(const YAML::Node& map, const char* key, const std::string& where) {
  YAML::Node child = Child(map, key);
  if (!child.IsDefined()) return false;
  bool value = false;
  if (!child.IsScalar() || !YAML::convert<bool>::decode(child, value)) {
    Fail(child, Join(where, key), "expected true or false");
    return false;
  }
  return value;
}

YAML::Node KubeconfigReader::Map(const YAML::Node& map, const char* key, const std::string& where) {
  YAML::Node child = Child(map, key);
  if (child.IsDefined() && !child.IsMap()) {
    Fail(child, Join(where, key), "expected a mapping");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return child;
}

std::vector<YAML::Node> KubeconfigReader::List(const YAML::Node& map, const char* key, const std::string& where) {
  YAML::Node child = Child(map, key);
  std::vector<YAML::Node> out;
  if (!child.IsDefined()) return out;
  if (!child.IsSequence()) {
    Fail(child, Join(where, key), "expected a list");
    return out;
  }
  for (size_t i = 0; i < child.size(); ++i) out.push_back(child[i]);
  return out;
}

NamedEntries ReadNamedEntries(KubeconfigReader& reader, const YAML::Node& root, const char* list, const char* inner) {
  NamedEntries out;
  const std::vector<YAML::Node> items = reader.List(root, list, "");
  for (size_t i = 0; i < items.size() && !reader.failed(); ++i) {
    const std::string where = std::string(list) + "[" + std::to_string(i) + "]";
    if (!items[i].IsMap()) {
      reader.Fail(items[i], where, "expected a mapping");
      break;
    }
    const std::string name = reader.String(items[i], "name", where);
    const YAML::Node body = reader.Map(items[i], inner, where);
    if (reader.failed()) break;
    if (out.by_name.count(name) != 0) {
      reader.Fail(items[i], where, "duplicate name \"" + name + "\"");
      break;
    }
    out.names.push_back(name);
    out.by_name[name] = body;
  }
  return out;
}

}  // namespace runbookd::k8s
