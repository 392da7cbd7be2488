#pragma once

#include <string>
#include <vector>

namespace runbookd::config {

// Where a value stands in a config file; line and column count from 1.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  Location where;
  std::string path;  // YAML path such as probes[2].spec.url
  std::string message;
};

// Collects every config error so that one run reports all of them, not just the first.
class Diagnostics {
 public:
  void Add(Location where, std::string path, std::string message);
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // One line per error, `FILE:LINE:COL: yaml.path: message`, in file order.
  std::string Format() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace runbookd::config
