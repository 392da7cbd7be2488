#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

// Typed reads of a kubeconfig's YAML, for kubeconfig.cpp.
namespace runbookd::k8s {

// Reads that remember the first problem with its place in the file ("FILE:LINE:COL: where:
// what"); later problems are dropped, as loading stops at the first. Absent and null values read
// as empty. yaml-cpp answers an absent key with a node that throws on every query but IsDefined,
// so every lookup checks that first.
class KubeconfigReader {
 public:
  explicit KubeconfigReader(std::string file) : file_(std::move(file)) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // `where` names the place for humans, e.g. `cluster "prod"`.
  void Fail(const YAML::Node& at, const std::string& where, std::string_view what);

  std::string String(const YAML::Node& map, const char* key, const std::string& where);
  bool Bool(const YAML::Node& map, const char* key, const std::string& where);
  YAML::Node Map(const YAML::Node& map, const char* key, const std::string& where);  // undefined when absent
  std::vector<YAML::Node> List(const YAML::Node& map, const char* key, const std::string& where);

 private:
  std::string file_;
  std::string error_;
};

// The `name`d entries of `clusters`, `users` or `contexts`: each one's inner mapping (`cluster`,
// `user`, `context`), and the names in file order. A duplicate name is an error, as in client-go.
struct NamedEntries {
  std::vector<std::string> names;
  std::map<std::string, YAML::Node> by_name;
};
NamedEntries ReadNamedEntries(KubeconfigReader& reader, const YAML::Node& root, const char* list, const char* inner);

}  // namespace runbookd::k8s
