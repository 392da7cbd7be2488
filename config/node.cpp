#include "config/node.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/document_state.hpp"
#include "config/suggest.hpp"

namespace runbookd::config {

namespace {

Location LocationOf(const std::string& file, const YAML::Node& node, const Location& fallback) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return fallback;
  return Location{file, mark.line + 1, mark.column + 1};
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// `parent.key`, or `parent["odd key"]` for keys that are not plain words (labels such as
// app.kubernetes.io/name, or a typo with a space), so a path always reads as one token.
std::string JoinPath(const std::string& parent, std::string_view key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (plain) return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  std::string quoted = "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return parent + quoted + "\"]";
}

// Mapping keys are plain strings in every runbookd config; a list or mapping used as a key
// (`? [a, b]: x`) is reported and stands as an empty name rather than throwing from yaml-cpp.
std::string KeyString(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string(); }

}  // namespace

Node::Node(std::shared_ptr<DocumentState> doc, YAML::Node node, std::string path, Location where)
    : doc_(std::move(doc)), node_(std::move(node)), path_(std::move(path)), where_(std::move(where)) {}

std::string Node::ChildPath(std::string_view key) const { return JoinPath(path_, key); }

void Node::Declare(std::string_view key) const {
  if (doc_) doc_->declared[path_].insert(std::string(key));
}

Node Node::operator[](std::string_view key) const {
  if (!doc_) return Node();
  Declare(key);
  const std::string child_path = ChildPath(key);
  if (!node_.IsMap()) {
    // Say it once per node, however many keys the reader asks of it.
    if (defined() && doc_->not_a_mapping.insert(path_).second) Error("expected a mapping");
    return Node(doc_, YAML::Node(YAML::NodeType::Undefined), child_path, where_);
  }
  const YAML::Node& self = node_;  // const operator[] never inserts
  YAML::Node child = self[std::string(key)];
  // yaml-cpp answers an absent key with a "zombie" node that throws on every type query; keep a
  // plain undefined node instead.
  if (!child.IsDefined()) return Node(doc_, YAML::Node(YAML::NodeType::Undefined), child_path, where_);
  return Node(doc_, child, child_path, LocationOf(doc_->file, child, where_));
}

Node Node::Required(std::string_view key) const {
  Node child = (*this)[key];
  if (doc_ && node_.IsMap() && !child.defined()) Error("missing required key " + Quoted(key));
  return child;
}

bool Node::Has(std::string_view key) const { return (*this)[key].defined(); }

std::vector<Node> Node::Items() const {
  std::vector<Node> out;
  if (!defined()) return out;
  if (!node_.IsSequence()) {
    Error("expected a list");
    return out;
  }
  doc_->declared[path_];  // a visited sequence
  for (size_t i = 0; i < node_.size(); ++i) {
    YAML::Node item = node_[i];
    out.push_back(Node(doc_, item, path_ + "[" + std::to_string(i) + "]", LocationOf(doc_->file, item, where_)));
  }
  return out;
}

std::vector<std::pair<std::string, Node>> Node::Entries() const {
  std::vector<std::pair<std::string, Node>> out;
  if (!defined()) return out;
  if (!node_.IsMap()) {
    Error("expected a mapping");
    return out;
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = KeyString(it->first);
    if (!it->first.IsScalar()) {
      Error("mapping keys must be strings");
      continue;
    }
    Declare(key);
    out.emplace_back(key, Node(doc_, it->second, ChildPath(key), LocationOf(doc_->file, it->second, where_)));
  }
  return out;
}

bool Node::RequireScalar(std::string_view what) const {
  if (node_.IsScalar()) return true;
  Error("expected " + std::string(what));
  return false;
}

std::string Node::AsString(std::string fallback) const {
  if (!defined() || !RequireScalar("a string")) return fallback;
  return node_.Scalar();
}

std::optional<std::string> Node::AsOptionalString() const {
  if (!defined() || !RequireScalar("a string")) return std::nullopt;
  return node_.Scalar();
}

int64_t Node::AsInt(int64_t fallback, int64_t min, int64_t max) const {
  if (!defined() || !RequireScalar("an integer")) return fallback;
  const std::string& s = node_.Scalar();
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    Error("expected an integer, got " + Quoted(s));
    return fallback;
  }
  if (v < min || v > max) {
    Error("must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
    return fallback;
  }
  return v;
}

double Node::AsDouble(double fallback) const {
  if (!defined() || !RequireScalar("a number")) return fallback;
  const std::string& s = node_.Scalar();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') {
    Error("expected a number, got " + Quoted(s));
    return fallback;
  }
  return v;
}

bool Node::AsBool(bool fallback) const {
  if (!defined() || !RequireScalar("true or false")) return fallback;
  const std::string& s = node_.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  Error("expected true or false, got " + Quoted(s));
  return fallback;
}

Duration Node::AsDuration(Duration fallback) const {
  if (!defined() || !RequireScalar("a duration")) return fallback;
  auto d = ParseDuration(node_.Scalar());
  if (!d) {
    Error("invalid duration " + Quoted(node_.Scalar()) + " (use a number and a unit: 500ms, 15s, 5m, 1h)");
    return fallback;
  }
  return *d;
}

std::vector<std::string> Node::AsStringList() const {
  std::vector<std::string> out;
  if (defined() && node_.IsScalar()) {  // a single value stands for a one-element list
    out.push_back(node_.Scalar());
    return out;
  }
  for (const Node& item : Items()) {
    if (item.RequireScalar("a string")) out.push_back(item.node_.Scalar());
  }
  return out;
}

std::map<std::string, std::string> Node::AsStringMap() const {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : Entries()) {
    if (value.RequireScalar("a string")) out[key] = value.node_.Scalar();
  }
  return out;
}

std::string Node::AsEnum(const std::vector<std::string>& choices, std::string fallback) const {
  if (!defined() || !RequireScalar("a string")) return fallback;
  const std::string& s = node_.Scalar();
  for (const auto& c : choices) {
    if (c == s) return s;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  Error("unknown value " + Quoted(s) + DidYouMean(s, choices) + "; expected one of: " + list);
  return fallback;
}

std::optional<Secret> Node::ReadSecret(std::string_view base) const {
  const std::string file_key = std::string(base) + "_file";
  const std::string env_key = std::string(base) + "_env";
  Node file_node = (*this)[file_key];
  Node env_node = (*this)[env_key];
  if (file_node.defined() && env_node.defined()) {
    env_node.Error("give either " + file_key + " or " + env_key + ", not both");
    return std::nullopt;
  }
  if (file_node.defined()) {
    // Relative paths are relative to the config file, like include:, not to the working directory.
    std::filesystem::path path = file_node.AsString();
    if (path.is_relative()) path = std::filesystem::path(doc_->file).parent_path() / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      file_node.Error("cannot read " + Quoted(path.string()) + ": " + std::strerror(errno));
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string value = ss.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      file_node.Error("secret file " + Quoted(path.string()) + " is empty");
      return std::nullopt;
    }
    return Secret(std::move(value));
  }
  if (env_node.defined()) {
    const std::string var = env_node.AsString();
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == '\0') {
      env_node.Error("environment variable " + Quoted(var) + " is not set");
      return std::nullopt;
    }
    return Secret(value);
  }
  return std::nullopt;
}

void Node::Error(std::string_view message) const {
  if (doc_) doc_->diagnostics->Add(where_, path_, std::string(message));
}

Diagnostics& Node::diagnostics() const { return *doc_->diagnostics; }

const std::string& Node::file() const { return doc_->file; }

// ---- Document ----

Document Document::Parse(const std::string& text, const std::string& file, Diagnostics& diagnostics) {
  Document d;
  d.doc_ = std::make_shared<DocumentState>();
  d.doc_->file = file;
  d.doc_->diagnostics = &diagnostics;
  try {
    d.doc_->root = YAML::Load(text);
    d.doc_->ok = true;
  } catch (const YAML::Exception& e) {
    diagnostics.Add(Location{file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg);
  }
  return d;
}

Document Document::Load(const std::string& file, Diagnostics& diagnostics) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.Add(Location{file, 1, 1}, "", std::string("cannot read file: ") + std::strerror(errno));
    Document d;
    d.doc_ = std::make_shared<DocumentState>();
    d.doc_->file = file;
    d.doc_->diagnostics = &diagnostics;
    return d;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), file, diagnostics);
}

bool Document::ok() const { return doc_ && doc_->ok; }

Node Document::root() const {
  if (!ok()) return Node();
  Node root(doc_, doc_->root, "", LocationOf(doc_->file, doc_->root, Location{doc_->file, 1, 1}));
  if (root.defined() && !doc_->root.IsMap() && doc_->not_a_mapping.insert("").second) {
    root.Error("the config must be a mapping of top-level keys");
  }
  return root;
}

namespace {

void CheckNode(DocumentState& doc, const YAML::Node& node, const std::string& path) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) CheckNode(doc, node[i], path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!node.IsMap()) return;
  auto declared = doc.declared.find(path);
  if (declared == doc.declared.end()) return;  // never read: its parent reported it already
  std::vector<std::string> known(declared->second.begin(), declared->second.end());
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = KeyString(it->first);
    const std::string child_path = JoinPath(path, key);
    const Location where = LocationOf(doc.file, it->first, Location{doc.file, 1, 1});
    if (!seen.insert(key).second) {
      doc.diagnostics->Add(where, child_path, "duplicate key \"" + key + "\"");
      continue;
    }
    if (!declared->second.count(key)) {
      doc.diagnostics->Add(where, child_path, "unknown key \"" + key + "\"" + DidYouMean(key, known));
      continue;
    }
    CheckNode(doc, it->second, child_path);
  }
}

}  // namespace

void Document::CheckUnknownKeys() const {
  if (ok()) CheckNode(*doc_, doc_->root, "");
}

}  // namespace runbookd::config
