#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/secret.hpp"

namespace runbookd::config {

struct DocumentState;

// A read-only view of one YAML node and its path in the document.
//
// Reading a key declares it: after all reading, Document::CheckUnknownKeys reports every key of a
// visited mapping that nobody asked for, with a "did you mean". The parser is thus the schema.
// Typed reads never throw: a wrong value records an error here and returns the fallback, so one
// run collects every mistake in the file. yaml-cpp's non-const operator[] inserts nodes; this
// wrapper only ever uses the const one.
class Node {
 public:
  Node() = default;

  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  const std::string& path() const { return path_; }
  Location location() const { return where_; }

  // Child of a mapping; declares `key`. Absent keys give an undefined Node located at the parent.
  Node operator[](std::string_view key) const;
  // Like operator[] but records "missing required key" when absent.
  Node Required(std::string_view key) const;
  bool Has(std::string_view key) const;

  // Elements of a sequence (records an error when this is defined but not a sequence).
  std::vector<Node> Items() const;
  // Entries of a mapping with free-form keys (labels, headers): declares them all.
  std::vector<std::pair<std::string, Node>> Entries() const;

  // Typed reads of this node; `fallback` when absent or wrong.
  std::string AsString(std::string fallback = {}) const;
  std::optional<std::string> AsOptionalString() const;
  int64_t AsInt(int64_t fallback, int64_t min = std::numeric_limits<int64_t>::min(),
                int64_t max = std::numeric_limits<int64_t>::max()) const;
  double AsDouble(double fallback) const;
  bool AsBool(bool fallback) const;
  Duration AsDuration(Duration fallback) const;
  std::vector<std::string> AsStringList() const;
  std::map<std::string, std::string> AsStringMap() const;
  // One of a fixed set of words; records an error naming the choices otherwise.
  std::string AsEnum(const std::vector<std::string>& choices, std::string fallback) const;

  // A secret of this mapping from `<base>_file` (file contents, trailing newline trimmed) or
  // `<base>_env` (an environment variable). Absent both: nullopt.
  std::optional<Secret> ReadSecret(std::string_view base) const;

  // Records an error at this node.
  void Error(std::string_view message) const;
  Diagnostics& diagnostics() const;
  const std::string& file() const;

 private:
  friend class Document;
  Node(std::shared_ptr<DocumentState> doc, YAML::Node node, std::string path, Location where);
  void Declare(std::string_view key) const;
  std::string ChildPath(std::string_view key) const;
  bool RequireScalar(std::string_view what) const;

  std::shared_ptr<DocumentState> doc_;
  YAML::Node node_;
  std::string path_;
  Location where_;
};

// One parsed YAML file. Parse errors become diagnostics; root() is then undefined.
class Document {
 public:
  static Document Load(const std::string& file, Diagnostics& diagnostics);
  static Document Parse(const std::string& text, const std::string& file, Diagnostics& diagnostics);

  Node root() const;
  bool ok() const;
  // Reports keys nobody declared, in every mapping that was read. Call once reading is done.
  void CheckUnknownKeys() const;

 private:
  std::shared_ptr<DocumentState> doc_;
};

}  // namespace runbookd::config
